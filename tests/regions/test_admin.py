"""Raw data repair in the admin goes through the services: paths and audit stay right."""

from tests.conftest import client_for
from wenming.core.models import AuditEntry
from wenming.regions.models import Region


def test_moving_a_region_in_the_admin_moves_its_subtree(people, city):
    client = client_for(people.superuser)
    street = city.east_street
    response = client.post(
        f"/admin/regions/region/{street.pk}/change/",
        {
            "code": street.code,
            "name": "东门街道",
            "level": 3,
            "parent": city.west.pk,
            "boundary": "null",
            "center_longitude": "",
            "center_latitude": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    community = Region.objects.get(pk=city.east_community.pk)
    assert community.path == "/990100000000/990102000000/990101001000/990101001001/"
    entry = AuditEntry.objects.get(action="update", object_id=str(street.pk))
    assert entry.actor_id == people.superuser.pk
    assert entry.before["parent_id"] == city.east.pk
    assert entry.after["parent_id"] == city.west.pk


def test_regions_cannot_be_deleted_in_the_admin(people, city):
    client = client_for(people.superuser)
    response = client.post(f"/admin/regions/region/{city.west_street.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert Region.objects.filter(pk=city.west_street.pk).exists()
