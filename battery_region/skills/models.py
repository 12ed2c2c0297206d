"""ESCO occupations and skills, battery value-chain stages and roles, and programme tagging."""
