"""The production shape: docker-compose.yml, the Dockerfile and .dockerignore (read as files, no Docker needed)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ("migrate", "web", "worker", "beat")
SECRET_NAME = re.compile(r"SECRET|PASSWORD|TOKEN|_KEY$", re.IGNORECASE)
FROM_ENV = re.compile(r"^\$\{[A-Z0-9_]+(?::?[-?][^}]*)?\}")
CREDENTIALS_IN_URL = re.compile(r"://[^/:@\s]+:(?P<password>[^@\s]+)@")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


@pytest.fixture(scope="module")
def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def command(service: dict) -> str:
    value = service.get("command", "")
    return " ".join(value) if isinstance(value, list) else value


def depends_on(service: dict) -> dict:
    value = service.get("depends_on", {})
    return {name: {} for name in value} if isinstance(value, list) else value


def test_the_five_services_and_a_migration_job(services):
    assert {"web", "worker", "beat", "db", "redis"} <= set(services)
    assert "migrate" in command(services["migrate"]) and "manage.py" in command(services["migrate"])


def test_web_runs_gunicorn_on_the_wsgi_application(services):
    assert shlex.split(command(services["web"]))[:2] == ["gunicorn", "ims.wsgi:application"]
    assert "runserver" not in command(services["web"])


@pytest.mark.parametrize(("name", "role"), [("worker", "worker"), ("beat", "beat")])
def test_worker_and_beat_run_celery(services, name, role):
    assert re.match(rf"celery -A ims {role}\b", command(services[name]))


def test_app_services_start_after_migrations_on_healthy_backends(services):
    for name in ("web", "worker", "beat"):
        needs = depends_on(services[name])
        assert needs["db"]["condition"] == "service_healthy", name
        assert needs["redis"]["condition"] == "service_healthy", name
        assert needs["migrate"]["condition"] == "service_completed_successfully", name


@pytest.mark.parametrize("name", ["db", "redis"])
def test_backends_have_healthchecks_and_volumes(compose, services, name):
    service = services[name]
    assert service["healthcheck"]["test"]
    sources = [volume.split(":", 1)[0] for volume in service["volumes"]]
    named = [source for source in sources if not source.startswith("./")]
    assert named and all(volume in compose["volumes"] for volume in named)  # state lives in named volumes
    for volume in service["volumes"]:  # files from the checkout (the role set-up script) are read-only
        assert not volume.startswith("./") or volume.endswith(":ro"), volume


def test_database_is_postgres_16(services):
    assert services["db"]["image"].startswith("postgres:16")
    assert "pg_isready" in str(services["db"]["healthcheck"]["test"])


def test_redis_keeps_the_queue_and_never_evicts(services):
    assert services["redis"]["image"].startswith("redis:7")
    args = command(services["redis"])
    assert re.search(r"--appendonly\s+yes", args)
    assert re.search(r"--maxmemory-policy\s+noeviction", args)


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_take_urls_and_secrets_from_the_environment(services, name):
    env = services[name]["environment"]
    assert isinstance(env, dict), "use the mapping form so the values can be checked"
    for key in ("DATABASE_URL", "REDIS_URL", "DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS"):
        assert FROM_ENV.match(str(env[key])), f"{name}: {key} must come from the environment"
    assert env["DJANGO_SECRET_KEY"].startswith("${DJANGO_SECRET_KEY:?"), "the secret key is required, never defaulted"
    assert str(env["DJANGO_SECURE"]) == "1"
    assert str(env["DJANGO_DEBUG"]) == "0"
    assert any(key.startswith("EMAIL_") for key in env)


def _values(node, path=""):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _values(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _values(value, f"{path}[{index}]")
    else:
        yield path, "" if node is None else str(node)


def test_no_secret_is_written_in_the_file(compose):
    for path, value in _values(compose["services"]):
        key = path.rsplit(".", 1)[-1]
        if SECRET_NAME.search(key) and value:
            assert FROM_ENV.match(value), f"{path} hard-codes a secret"
        for match in CREDENTIALS_IN_URL.finditer(value):
            assert match["password"].startswith("${"), f"{path} hard-codes a password in a URL"


def test_web_is_published_on_loopback_only(services):
    for port in services["web"].get("ports", []):
        assert str(port).startswith("127.0.0.1:"), "put a TLS-terminating proxy in front; do not publish web openly"


# --- Dockerfile -----------------------------------------------------------------------------------------


def test_dockerfile_builds_on_python_311_and_the_pinned_requirements(dockerfile):
    assert re.search(r"^FROM python:3\.11-slim", dockerfile, re.MULTILINE)
    assert re.search(r"pip install (--\S+ )*-r requirements\.txt", dockerfile)
    assert "collectstatic" in dockerfile


def test_dockerfile_builds_assets_from_the_lockfile_like_the_makefile(dockerfile):
    assert "COPY package.json package-lock.json" in dockerfile
    assert "npm ci" in dockerfile
    makefile = (ROOT / "Makefile").read_text()
    sources = set(re.findall(r"node_modules/\S+", makefile))
    assert sources, "the Makefile's static target copies no node_modules files"
    missing = sorted(source for source in sources if source not in dockerfile)
    assert not missing, f"the Dockerfile does not copy {missing} like `make static` does"


def test_dockerfile_downloads_nothing_from_a_cdn(dockerfile):
    instructions = "\n".join(line for line in dockerfile.splitlines() if not line.lstrip().startswith("#"))
    for forbidden in ("http://", "https://", "curl ", "wget ", "ADD http", "cdn", "unpkg", "jsdelivr"):
        assert forbidden not in instructions.lower(), forbidden


def test_dockerfile_runs_as_a_non_root_user(dockerfile):
    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.MULTILINE)
    assert users and users[-1] not in {"root", "0", "0:0"}


def test_dockerfile_bakes_no_real_secret(dockerfile):
    assert not re.search(r"^ENV\s+.*DJANGO_SECRET_KEY", dockerfile, re.MULTILINE)
    assert not re.search(r"^ARG\s+.*(SECRET|PASSWORD)", dockerfile, re.MULTILINE)


def test_dockerignore_keeps_secrets_and_local_state_out():
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    for entry in (".env", ".data/", ".venv/", "node_modules/", ".git/"):
        assert entry in ignored, entry


def test_the_image_gets_the_runtime_requirements_only(dockerfile):
    """Tests and development tools (pytest, playwright, ruff, hypothesis) stay out of the production image."""
    assert "requirements-dev" not in dockerfile
    runtime = (ROOT / "requirements.txt").read_text().lower()
    for tool in ("pytest", "playwright", "ruff", "hypothesis", "factory_boy", "import-linter", "pypdf"):
        assert f"\n{tool}" not in runtime, f"{tool} is a development tool: it belongs in requirements-dev.txt"
    development = (ROOT / "requirements-dev.txt").read_text().lower()
    assert "-r requirements.txt" in development and "pytest==" in development


def _default_url_user(value: str) -> str:
    """The role in a ``${VAR:-postgres://role:...@host/db}`` default."""
    match = re.search(r"postgres://([^:@/]+):", value)
    assert match, value
    return match.group(1)


def test_compose_uses_two_database_roles_the_app_role_owning_nothing(services):
    """Only the migrate job connects as the owner; web, worker and beat connect as the runtime role, which the
    database's first start creates (so the audit trail is protected by privileges, not by triggers alone)."""
    owner = services["db"]["environment"]["POSTGRES_USER"]
    app_role = _default_url_user(services["web"]["environment"]["DATABASE_URL"])
    assert owner != app_role
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert _default_url_user(env["DATABASE_URL"]) == app_role
        assert "DATABASE_OWNER_URL" not in env, f"{name} must not know the owner's password"
        assert env.get("IMS_DB_CONNECT_AS", "app") == "app"
    migrate = services["migrate"]["environment"]
    assert migrate["IMS_DB_CONNECT_AS"] == "owner"
    assert _default_url_user(migrate["DATABASE_OWNER_URL"]) == owner
    assert _default_url_user(migrate["DATABASE_URL"]) == app_role  # the role the migrations grant to
    mounts = [str(volume) for volume in services["db"]["volumes"]]
    init = next(m.split(":")[0] for m in mounts if "/docker-entrypoint-initdb.d" in m)
    scripts = "\n".join(p.read_text() for p in sorted((ROOT / init).glob("*.sh")))
    assert f"CREATE ROLE {app_role} LOGIN NOSUPERUSER" in scripts
    assert "IMS_APP_DB_PASSWORD" in services["db"]["environment"]
