from django.urls import path

from macpu.agencies import signin, views

urlpatterns = [
    path("settings/", views.local_settings, name="local-settings"),
    path("login/security-key/", signin.sign_in_security_key, name="sign-in-security-key"),
    path("account/security-keys/", signin.security_keys_page, name="security-keys"),
    path("account/security-keys/<int:pk>/remove/", signin.security_key_remove, name="security-key-remove"),
]
