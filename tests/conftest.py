import shutil
import subprocess
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
