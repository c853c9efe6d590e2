"""Sign in, sign out, password change, and the pages that list and end API tokens."""

from django.contrib import messages
from django.contrib.auth import get_user_model, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views import View

from wenming.accounts import preferences, services
from wenming.accounts.forms import ApiTokenForm, LoginForm, StyledPasswordChangeForm
from wenming.accounts.models import ApiToken
from wenming.core.navigation import is_staff_member


class LoginView(auth_views.LoginView):
    """The staff and resident sign-in page."""

    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        # Residents and volunteers have no workbench: their page is the portal, not a 403.
        if is_staff_member(self.request.user):
            return super().get_default_redirect_url()
        return reverse("portal:home")

    def form_valid(self, form):
        response = super().form_valid(form)
        # Larger text chosen on the sign-in page is kept for the person; a browser's "off"
        # never turns it off for someone who needs it (a shared browser, say).
        user = self.request.user
        if preferences.browser_wants_elder_friendly(self.request) and not user.elder_friendly_mode:
            services.set_elder_friendly_mode(user, True)
        return response


class LogoutView(auth_views.LogoutView):
    """Sign out (POST only) and return to the public portal."""


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change one's own password through the audited service."""

    form_class = StyledPasswordChangeForm
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("dashboard:home")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def form_valid(self, form):
        services.change_password(self.request.user, form.cleaned_data["new_password1"])
        update_session_auth_hash(self.request, self.request.user)
        messages.success(self.request, _("Your password has been changed."))
        return super(auth_views.PasswordChangeView, self).form_valid(form)


class MyTokensView(LoginRequiredMixin, View):
    """The signed-in person's API tokens: list, make a named one (key shown once)."""

    template_name = "accounts/tokens.html"

    def render_page(self, request, form, new_key=None, new_token=None):
        tokens = ApiToken.objects.filter(user=request.user)
        return render(
            request,
            self.template_name,
            {"tokens": tokens, "form": form, "new_key": new_key, "new_token": new_token},
        )

    def get(self, request):
        return self.render_page(request, ApiTokenForm())

    def post(self, request):
        form = ApiTokenForm(request.POST)
        if not form.is_valid():
            return self.render_page(request, form)
        token, key = services.create_api_token(request.user, name=form.cleaned_data["name"])
        # Shown in this response only: the key is not stored and cannot be shown again.
        return self.render_page(request, ApiTokenForm(), new_key=key, new_token=token)


class ElderFriendlyModeView(View):
    """Switch the 适老化 mode on or off (POST), for the person and for this browser."""

    def post(self, request):
        enabled = request.POST.get("enabled") == "1"
        if request.user.is_authenticated:
            services.set_elder_friendly_mode(request.user, enabled)
        response = _back(request, "portal:home")
        preferences.remember_in_browser(response, enabled)
        return response


def _back(request, default):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(default)


class TokenRevokeView(LoginRequiredMixin, View):
    """End one token (POST): one's own, or as office admin over the owner's region."""

    def post(self, request, pk):
        token = get_object_or_404(ApiToken.objects.select_related("user"), pk=pk)
        # Another person's token outside the caller's reach does not exist for them.
        if not services.may_revoke_tokens_of(request.user, token.user):
            raise Http404
        services.revoke_api_token(request.user, token)
        messages.success(request, _("The token %(name)s was revoked.") % {"name": token.name})
        return _back(request, "accounts:tokens")


class TokenRenewView(LoginRequiredMixin, View):
    """Push one of one's own tokens' expiry to a full lifetime from now (POST)."""

    def post(self, request, pk):
        token = get_object_or_404(ApiToken, pk=pk, user=request.user)
        services.renew_api_token(request.user, token)
        messages.success(request, _("The token %(name)s was renewed.") % {"name": token.name})
        return redirect("accounts:tokens")


class PersonTokensView(LoginRequiredMixin, View):
    """An office admin's view of one person's tokens, to revoke them."""

    template_name = "accounts/person_tokens.html"

    def get(self, request, pk):
        person = get_object_or_404(get_user_model(), pk=pk)
        if person.pk == request.user.pk:
            return redirect("accounts:tokens")
        if not services.may_revoke_tokens_of(request.user, person):
            raise Http404
        return render(
            request,
            self.template_name,
            {
                "person": person,
                "tokens": ApiToken.objects.filter(user=person),
                "here": reverse("accounts:person_tokens", args=[person.pk]),
            },
        )
