"""Values every template needs: site name, navigation for the user's roles, map tiles."""

from django.conf import settings

from wenming.core.navigation import menu_for


def platform(request):
    user = getattr(request, "user", None)
    return {
        "SITE_NAME": settings.SITE_NAME,
        "MAP_TILE_URL": settings.MAP_TILE_URL,
        "MAP_TILE_ATTRIBUTION": settings.MAP_TILE_ATTRIBUTION,
        "navigation": menu_for(user) if user is not None else [],
    }
