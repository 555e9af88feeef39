"""The shipped nginx site is valid as it is, and what the instances need to share a host."""

from __future__ import annotations

from todo_backend.tests.servers import free_port
from todo_backend.tests.topology.nginx import SITE, Nginx, main_config


def test_the_shipped_site_is_valid_nginx_configuration_unchanged(nginx_installed, tmp_path):
    nginx = Nginx(tmp_path, free_port(), ["127.0.0.1:8001"])
    nginx.config.write_text(main_config(tmp_path, SITE))  # the file itself, not a rendering
    result = nginx.check()
    assert result.returncode == 0, result.stderr


def test_instances_on_one_host_open_no_control_socket(deployed):
    # gunicorn's would be ~/.gunicorn/gunicorn.ctl, one path for every instance of the user.
    for root in deployed.instance_roots:
        assert (root / "home").is_dir()
        assert not (root / "home" / ".gunicorn").exists()
