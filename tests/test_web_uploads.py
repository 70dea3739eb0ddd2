"""Data files for matrix and vector fields (issue 18 item 6) through Flask's test client: a 500 x 500 CSV or
NPY upload becomes the field's value (`@upload:<id>`, a short link), and the numeric path solves it; every
bad file is a clear 400 naming the field. Oracle: numpy.linalg.svd on the same matrix."""
from __future__ import annotations

import io
import re
from urllib.parse import urlsplit

import numpy as np
import pytest

from web import create_app


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return create_app({"TESTING": True, "UPLOAD_DIR": str(tmp_path_factory.mktemp("uploads"))})


@pytest.fixture()
def client(app):
    return app.test_client()


def _token(client, url="/f/svd?example=1") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(url).get_data(as_text=True)).group(1)


def _upload(client, data: bytes, filename: str, field: str = "A", family: str = "svd", **extra):
    # encoded here in memory: the test client would spool a large body to a temporary file it never closes
    from werkzeug.datastructures import FileStorage, MultiDict
    from werkzeug.test import encode_multipart

    fields = MultiDict({"csrf_token": _token(client), "field": field, **extra})
    fields.add("file", FileStorage(io.BytesIO(data), filename=filename))
    boundary, body = encode_multipart(fields)
    return client.post(f"/f/{family}/upload", data=body, content_type=f"multipart/form-data; boundary={boundary}")


def _npy(arr) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=True)
    return buf.getvalue()


def _singular_values(page: str) -> list[float]:
    row = re.search(r'id="answer-singular_values".*?</tr>', page, re.S).group(0)
    shown = re.search(r'class="display">≈ \(([^)]*)\)', row).group(1)
    return [float(x) for x in shown.split(",")]


@pytest.mark.parametrize("fmt", ["csv", "npy"])
def test_a_500_by_500_matrix_from_a_file_is_solved(client, fmt):
    a = np.random.default_rng(7).normal(size=(500, 500))
    data = ("\n".join(",".join(f"{x:.10f}" for x in row) for row in a).encode() if fmt == "csv" else _npy(a))
    r = _upload(client, data, f"matrix.{fmt}", **{"p.k": "2"})
    assert r.status_code == 302
    target = r.headers["Location"]
    assert "p.A=@upload:" in target and "p.k=2" in target and len(target) < 200, "the link stays short"
    form = client.get(target).get_data(as_text=True)
    assert "From a file: an uploaded 500 x 500 matrix." in form
    page = client.get("/f/svd/solve?" + urlsplit(target).query).get_data(as_text=True)
    want = np.linalg.svd(np.round(a, 10), compute_uv=False)
    got = _singular_values(page)
    assert got == pytest.approx(want[: len(got)], abs=1e-4)
    assert "numeric path" in page


@pytest.mark.parametrize("data, filename, message", [
    (b"1,2\n3,x\n", "a.csv", "'x' in row 2, which is not a number"),
    (b"1,2\n3\n", "a.csv", "rows of different lengths: row 2 has 1 numbers, the first row 2"),
    (b"1,nan\n3,4\n", "a.csv", "not a finite number"),
    (b"", "a.csv", "is empty"),
    (b"\xff\xfe\x00", "a.csv", "not UTF-8 text"),
    (b"1,2", "a.xlsx", "must be a CSV file"),
    (_npy(np.zeros((2, 2, 2))), "a.npy", "1 or 2 dimensions"),
    (_npy(np.array([{"a": 1}], dtype=object)), "a.npy", "not a readable .npy array"),
    (_npy(np.array(["a", "b"])), "a.npy", "must hold numbers"),
])
def test_a_bad_file_is_a_clear_error_naming_the_field(client, data, filename, message):
    r = _upload(client, data, filename)
    assert r.status_code == 400
    page = r.get_data(as_text=True).replace("&#39;", "'")
    err = re.search(r'id="upload-error"[^>]*>([^<]*)', page).group(1)
    assert "'A'" in err and message in err
    assert "Traceback" not in page


def test_a_header_row_is_skipped_and_a_row_file_is_a_vector(client):
    r = _upload(client, b"x,y\n1,2\n3,4\n", "a.csv")
    assert r.status_code == 302
    r = _upload(client, b"1, 2, 3\n", "y.csv", field="y", family="linear_regression")
    assert r.status_code == 302 and "p.y=@upload:" in r.headers["Location"]


def test_only_matrix_and_vector_fields_take_files(client):
    r = _upload(client, b"1,2\n3,4\n", "a.csv", field="k")
    assert r.status_code == 400 and "Choose a matrix or vector field" in r.get_data(as_text=True)


def test_an_upload_no_longer_kept_says_so_at_its_field(client):
    r = client.get("/f/svd/solve?p.A=@upload:0123456789abcdef0123&p.k=1")
    assert r.status_code == 400
    assert "no longer on this server" in r.get_data(as_text=True)


def test_the_upload_requires_the_csrf_token(client):
    r = client.post("/f/svd/upload", data={"field": "A", "file": (io.BytesIO(b"1,2\n3,4"), "a.csv")},
                    content_type="multipart/form-data")
    assert r.status_code == 400


def test_an_uploaded_problem_is_solved_once_and_then_served_from_the_cache(tmp_path):
    app = create_app({"TESTING": True, "UPLOAD_DIR": str(tmp_path), "SOLUTION_CACHE_SIZE": 8})
    client = app.test_client()
    a = np.random.default_rng(5).normal(size=(60, 40))
    target = _upload(client, _npy(a), "a.npy", **{"p.k": "1"}).headers["Location"]
    from web.cache import get_cache

    cache = get_cache(app)
    url = "/f/svd/solve?" + urlsplit(target).query
    assert client.get(url).status_code == 200
    misses = cache.misses
    assert client.get(url).status_code == 200 and cache.misses == misses and cache.hits >= 1
