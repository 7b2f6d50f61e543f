from extranet.testing import csrf_token


def test_login_page_is_french_by_default(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'name="email"' in page and 'name="password"' in page


def test_login_and_logout(client, people, login_as):
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.location
    login_as(people.member_a)
    assert people.member_a.name in client.get("/").get_data(as_text=True)
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code == 303
    assert client.get("/").status_code == 302


def test_wrong_password_is_refused(client, people):
    response = client.post(
        "/login",
        data={"email": people.member_a.email, "password": "nope", "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 200
    assert client.get("/").status_code == 302
