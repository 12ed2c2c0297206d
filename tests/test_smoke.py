import pytest


@pytest.mark.django_db
def test_home_page_renders_in_each_language(anonymous):
    for code in ("fi", "sv", "en"):
        response = anonymous.get(f"/{code}/")
        assert response.status_code == 200
        assert f'lang="{code}"' in response.content.decode()
