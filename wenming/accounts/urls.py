from django.urls import path

from wenming.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("elder-friendly/", views.ElderFriendlyModeView.as_view(), name="elder_friendly_mode"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("tokens/", views.MyTokensView.as_view(), name="tokens"),
    path("tokens/<int:pk>/revoke/", views.TokenRevokeView.as_view(), name="token_revoke"),
    path("tokens/<int:pk>/renew/", views.TokenRenewView.as_view(), name="token_renew"),
    path("people/<int:pk>/tokens/", views.PersonTokensView.as_view(), name="person_tokens"),
]
