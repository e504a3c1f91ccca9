def test_home_page_is_public(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "Homeward" in response.get_data(as_text=True)


def test_each_role_sees_its_dashboard(client, login_as):
    login_as("staff")
    response = client.get("/dashboard", follow_redirects=True)
    assert "Programme staff dashboard" in response.get_data(as_text=True)
