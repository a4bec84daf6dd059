"""Put PP-OCRv6's small detector and recogniser in pipeline/read/ocr/models/, from the `rapidocr`
3.10 wheel (PyPI; the wheel ships them, Apache-2.0), for $JIXIAO_OCR_MODEL=v6 or v6rec.

    python tools/fetch_ppocrv6.py [WHEEL]      (without WHEEL: pip download rapidocr==3.10.0)

They are not in the repository (31 MB against the 15 MB of the folded PP-OCRv4 pair): measured
through the pipeline and not made the default (bench/README.md "PP-OCRv6 through today's pipeline").
The recogniser's character list (18,708 characters) is in its metadata, as PP-OCRv4's is.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

MODELS = Path(__file__).resolve().parents[1] / "pipeline" / "read" / "ocr" / "models"
SHA256 = {  # rapidocr 3.10.0's default_models.yaml
    "PP-OCRv6_det_small.onnx": "090f04abcd9d9a7498bc4ebf677e4cb9bdce1fe4197ddb7e529f1ef44e1ff94f",
    "PP-OCRv6_rec_small.onnx": "6f327246b50388f3c176ae304bd95767ea6dc0c9ae92153ef8cbe210b3c14884",
}


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        if argv:
            wheel = Path(argv[0])
        else:
            subprocess.run([sys.executable, "-m", "pip", "download", "rapidocr==3.10.0", "--no-deps",
                            "-d", tmp], check=True)
            wheel = next(Path(tmp).glob("rapidocr-*.whl"))
        with zipfile.ZipFile(wheel) as whl:
            for name, digest in SHA256.items():
                data = whl.read(f"rapidocr/models/{name}")
                if hashlib.sha256(data).hexdigest() != digest:
                    print(f"{name}: not the file rapidocr 3.10.0 names", file=sys.stderr)
                    return 1
                (MODELS / name).write_bytes(data)
                print(MODELS / name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
