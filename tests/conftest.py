import shutil
import subprocess
import time
from pathlib import Path

import pytest

FILES = Path(__file__).parent / "files"


@pytest.fixture
def files() -> Path:
    return FILES


SEED_DOCX = Path(__file__).parents[1] / "crawler" / "sample_sites" / "seed" / "yuyao-2020.docx"


@pytest.fixture(scope="session")
def seed_doc(tmp_path_factory) -> bytes:
    """The seed report saved as Word 97 (.doc) by LibreOffice itself (once a session: each
    conversion starts LibreOffice)."""
    if not shutil.which("soffice"):
        pytest.skip("LibreOffice not installed")
    tmp = tmp_path_factory.mktemp("doc")
    src = tmp / "seed.docx"
    src.write_bytes(SEED_DOCX.read_bytes())
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp}/profile",
                    "--convert-to", "doc", "--outdir", str(tmp), str(src)],
                   check=True, capture_output=True, timeout=180)
    return (tmp / "seed.doc").read_bytes()


@pytest.fixture
def redis_url(tmp_path):
    """A redis-server of the test's own on 127.0.0.1, for the distributed crawl and drain."""
    if not shutil.which("redis-server"):
        pytest.skip("redis-server not installed")
    import redis

    from .helpers import free_port

    port = free_port()
    proc = subprocess.Popen(["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                             "--appendonly", "no", "--dir", str(tmp_path)], stdout=subprocess.DEVNULL)
    client = redis.Redis(port=port)
    deadline = time.monotonic() + 20
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.1)
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(timeout=10)
