"""The files in deploy/ are what an operator installs: nginx and systemd must accept them as shipped."""

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

DEPLOY = Path(settings.BASE_DIR) / "deploy"


def _need(tool: str) -> str:
    path = shutil.which(tool)
    if not path:
        pytest.fail(
            f"{tool} is missing: `make deploy-deps` installs it (apt-get install nginx-light systemd)"
        )
    return path


def _self_signed(directory: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ops.example.gov.cn")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(1).not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    cert_path, key_path = directory / "fullchain.pem", directory / "privkey.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


def test_nginx_accepts_the_site_file(tmp_path):
    nginx = _need("nginx")
    cert, key = _self_signed(tmp_path)
    site = (DEPLOY / "nginx" / "districtops.conf").read_text()
    assert "X-Forwarded-Proto" in site and "client_max_body_size" in site and "location /static/" in site
    site = site.replace("/etc/ssl/districtops/fullchain.pem", str(cert)).replace(
        "/etc/ssl/districtops/privkey.pem", str(key)
    )
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n access_log off;\n include {tmp_path}/site.conf;\n}}\n"
    )
    done = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "[warn]" not in done.stderr and "[emerg]" not in done.stderr, done.stderr


def test_systemd_accepts_every_unit_and_each_command_exists(tmp_path):
    analyze = _need("systemd-analyze")
    root = Path(settings.BASE_DIR)
    units = []
    for unit in sorted((DEPLOY / "systemd").iterdir()):
        text = unit.read_text()
        # uv run would re-sync the dev tools on a production host: the units call .venv/bin directly.
        assert not [line for line in text.splitlines() if line.startswith("Exec") and "uv run" in line]
        text = text.replace("/srv/districtops", str(root)).replace(
            "/etc/districtops/districtops.env", str(DEPLOY / "districtops.env")
        )
        text = "\n".join("User=root" if line.startswith("User=") else line for line in text.splitlines())
        text = "\n".join("Group=root" if line.startswith("Group=") else line for line in text.splitlines())
        name = unit.name.replace("@.", "@1.")
        (tmp_path / name).write_text(text + "\n")
        units.append(str(tmp_path / name))
    assert {Path(u).name for u in units} >= {
        "districtops-app@1.service", "districtops-worker@1.service",
        "districtops-daily.service", "districtops-daily.timer",
        "districtops-briefing@1.service", "districtops-briefing@1.timer",
    }  # fmt: skip
    done = subprocess.run([analyze, "verify", *units], capture_output=True, text=True)
    ours = [line for line in done.stderr.splitlines() if str(tmp_path) in line or "districtops" in line]
    assert done.returncode == 0 and not ours, done.stderr


def test_every_command_the_units_run_is_a_real_command():
    from django.core.management import get_commands

    commands = get_commands()
    for unit in (DEPLOY / "systemd").glob("*.service"):
        for line in unit.read_text().splitlines():
            if line.startswith("ExecStart=") and "/bin/districtops " in line:
                command = line.split("/bin/districtops ", 1)[1].split()[0]
                assert command in commands, f"{unit.name}: districtops {command} does not exist"


def test_monthly_briefing_timer_issues_and_pushes_last_month():
    """The 5th of each month: last month's briefing of the instance's district, pushed."""
    service = (DEPLOY / "systemd" / "districtops-briefing@.service").read_text()
    timer = (DEPLOY / "systemd" / "districtops-briefing@.timer").read_text()
    command = next(line for line in service.splitlines() if line.startswith("ExecStart="))
    assert "/bin/districtops briefing --district %i --period previous" in command and "--push" in command
    assert "--draft" not in command
    assert "OnCalendar=*-*-05 " in timer and "Persistent=true" in timer
