from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("second-factor/", views.second_factor, name="second_factor"),
    path("backup-codes/", views.backup_codes, name="backup_codes"),
    path("password/", views.password_change, name="password_change"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("security/accounts/", views.security_accounts, name="security_accounts"),
    path("security/accounts/<int:pk>/<slug:action>/", views.security_action, name="security_action"),
    path("security/attempts/", views.security_attempts, name="security_attempts"),
    path("security/policy/", views.security_policy, name="security_policy"),
]
