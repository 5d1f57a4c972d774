"""Real-browser tests: Debian's Chromium driven by Selenium (chromedriver from Debian, no
download) against a JupyterLab and a Voilà app started here on free localhost ports, and
against the batch overview and a report's index.html.

Checks what a user sees: the explorer run in JupyterLab shows images (not "<Figure …>"), a
changed widget redraws the chart; the Voilà app shows no code; the overview sorts German
names and numbers, filters, links to existing reports; no page logs a JavaScript error.
Screenshots go to $IBIS_SCREENSHOTS (default: the test's tmp folder).

`make test` installs chromium and chromium-driver when missing (as root); elsewhere these
tests skip with the reason.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium fehlt (pip: .[dev])")
if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
    pytest.skip(
        "kein Browser: chromium und chromium-driver fehlen (Debian: apt-get install -y chromium "
        "chromium-driver; `make test` installiert sie als root)",
        allow_module_level=True,
    )

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

pytestmark = pytest.mark.slow

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,1000",
]


def _shots(tmp_path_factory) -> Path:
    d = Path(os.environ.get("IBIS_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    d.mkdir(parents=True, exist_ok=True)
    return d


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    return _shots(tmp_path_factory)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    opts = Options()
    opts.binary_location = CHROMIUM
    for flag in FLAGS:
        opts.add_argument(flag)
    opts.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


@pytest.fixture(autouse=True)
def _fresh_page(request):
    """Each test starts on a blank page with an empty console log (closing the previous page
    logs its own websocket endings; they belong to no test)."""
    if "browser" in request.fixturenames:
        driver = request.getfixturevalue("browser")
        driver.get("about:blank")
        driver.get_log("browser")
    yield


def js_errors(driver, ignore: tuple[str, ...] = ()) -> list[str]:
    """SEVERE console entries since the last call (the log is drained by reading it)."""
    return [
        e["message"]
        for e in driver.get_log("browser")
        if e["level"] == "SEVERE" and not any(i in e["message"] for i in ignore)
    ]


def _free_port() -> int:
    from ibislib.explore_app import free_port

    return free_port()


def _wait_http(url: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"server ended with {proc.returncode}"
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"no answer from {url}")


def _stop(proc: subprocess.Popen) -> None:
    from ibislib.explore_app import stop

    stop(proc)
    assert proc.poll() is not None


def _jupyter_env(tmp: Path) -> dict:
    env = dict(os.environ)
    env.pop("MPLBACKEND", None)
    for var, sub in (
        ("JUPYTER_CONFIG_DIR", "config"),
        ("JUPYTER_RUNTIME_DIR", "runtime"),
        ("IPYTHONDIR", "ipython"),
    ):
        env[var] = str(tmp / sub)
    env["IBIS_ROOT"] = str(ROOT)  # the notebooks are served from a copy; data stay here
    env["IBIS_OUT_DIR"] = str(tmp / "figures")  # chapter figures of the test, not figures/
    return env


@pytest.fixture(scope="module")
def notebooks(tmp_path_factory) -> Path:
    """Copies of the notebooks (JupyterLab autosaves outputs; the stored ones stay clean)."""
    d = tmp_path_factory.mktemp("nb")
    for name in ("00_explorer.ipynb", "01_demografie.ipynb"):
        shutil.copy(ROOT / "notebooks" / name, d / name)
    return d


@pytest.fixture(scope="module")
def lab(notebooks, tmp_path_factory):
    """JupyterLab on a free localhost port with a token, stopped afterwards."""
    port, token = _free_port(), secrets.token_hex(16)
    tmp = tmp_path_factory.mktemp("jupyter")
    log = open(tmp / "lab.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter",
            "lab",
            "--no-browser",
            f"--port={port}",
            "--ServerApp.ip=127.0.0.1",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={notebooks}",
            "--LabApp.expose_app_in_browser=True",
            "--LabApp.news_url=",
            "--ServerApp.open_browser=False",
            "--LabApp.extension_manager=readonly",  # no PyPI look-ups
            *(["--allow-root"] if os.geteuid() == 0 else []),
        ],
        env=_jupyter_env(tmp),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        cwd=str(notebooks),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_http(f"{base}/api/status?token={token}", proc)
        yield base, token
    finally:
        _stop(proc)
        log.close()


def _images(driver, scope: str = "", loaded: bool = True) -> list[str]:
    """src of every shown image (data: or blob: URL) in `scope`; `loaded`: decoded as well."""
    return driver.execute_script(
        """
        return Array.from(document.querySelectorAll(arguments[0] + ' img'))
          .filter(i => /^(data:image|blob:)/.test(i.src) && i.offsetParent !== null
                       && (!arguments[1] || (i.complete && i.naturalWidth > 50)))
          .map(i => i.src);
        """,
        scope,
        loaded,
    )


def _show_first_image(driver) -> None:
    driver.execute_script(
        "const i = Array.from(document.querySelectorAll('.jp-OutputArea img, .widget-image'))"
        "  .find(i => i.offsetParent !== null && /^(data:image|blob:)/.test(i.src));"
        "if (i) i.scrollIntoView({block: 'center'});"
    )
    time.sleep(0.5)


def _dismiss_news(driver) -> None:
    for b in driver.find_elements(By.CSS_SELECTOR, ".jp-toast-button, .jp-Notification button"):
        if b.text.strip() == "No":
            b.click()
            return


def _wait(driver, fn, timeout=120, what="condition"):
    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.5).until(lambda d: fn(d))
    except Exception as exc:
        raise AssertionError(f"timed out waiting for {what}") from exc


def _choose(driver, label: str, text: str) -> None:
    """Pick `text` in the ipywidgets dropdown whose description is `label`."""
    for box in driver.find_elements(By.CSS_SELECTOR, ".widget-dropdown"):
        if box.text.startswith(label):
            Select(box.find_element(By.TAG_NAME, "select")).select_by_visible_text(text)
            return
    raise AssertionError(f"no dropdown {label!r}")


# The notebook panel is looked up by its path: `shell.currentWidget` follows focus and is
# null in a headless window on some JupyterLab releases.
_PANEL_JS = (
    "const a = window.jupyterapp; if (!a) return null;"
    "const w = Array.from(a.shell.widgets('main'))"
    "  .find(x => x.context && x.context.path === arguments[0]);"
)


def _open_and_run_all(driver, base: str, token: str, name: str) -> None:
    driver.get(f"{base}/lab/tree/{name}?token={token}")
    _wait(
        driver,
        lambda d: d.execute_script(
            _PANEL_JS + "return !!(w && w.sessionContext && w.sessionContext.session"
            " && w.sessionContext.session.kernel"
            " && w.sessionContext.session.kernel.status === 'idle');",
            name,
        ),
        what=f"JupyterLab with {name} and an idle kernel",
    )
    driver.execute_script(
        _PANEL_JS + "a.shell.activateById(w.id);"
        "return a.commands.execute('notebook:run-all-cells');",
        name,
    )


def _cells(driver, name: str) -> list[dict]:
    """Per code cell of the open notebook's model: execution count and its outputs as "error",
    "figure" (an image, or HTML with an embedded one) or their MIME types (the model, not the DOM: JupyterLab renders cells far down only when scrolled to)."""
    return driver.execute_script(
        _PANEL_JS + "const cells = w.content.model.cells; const out = [];"
        "for (let i = 0; i < cells.length; i++) {"
        "  const c = cells.get(i); if (c.type !== 'code') continue;"
        "  const o = []; for (let j = 0; j < c.outputs.length; j++) {"
        "    const x = c.outputs.get(j).toJSON();"
        "    const data = x.data || {}; const html = String(data['text/html'] || '');"
        "    o.push(x.output_type === 'error' ? 'error'"
        "      : Object.keys(data).some(k => k.startsWith('image/'))"
        "        || /<img[^>]+src=.data:image|<svg/.test(html) ? 'figure'"
        "      : Object.keys(data).join(' '));"
        "  }"
        "  out.push({n: c.executionCount, outputs: o});"
        "}"
        "return out;",
        name,
    )


def _wait_idle(driver, name: str) -> list[dict]:
    """Wait until every code cell has run (or one failed) and the kernel is idle; the kernel
    is idle for a moment between queued cells, so its status alone is not enough."""
    time.sleep(1)

    def done(d):
        busy = d.execute_script(
            _PANEL_JS + "return w.sessionContext.session.kernel.status !== 'idle';", name
        )
        cells = _cells(d, name)
        failed = any("error" in c["outputs"] for c in cells)
        return (not busy and (failed or all(c["n"] is not None for c in cells))) and cells

    return _wait(driver, done, timeout=240, what=f"all cells of {name} executed")


IGNORE_LAB = ("favicon", "/api/workspaces", "lsp", "/api/kernels", "translations")


def test_explorer_in_jupyterlab(browser, lab, shots):
    base, token = lab
    _open_and_run_all(browser, base, token, "00_explorer.ipynb")
    _wait(browser, lambda d: len(_images(d, ".jp-OutputArea")) >= 1, what="explorer chart")
    _wait_idle(browser, "00_explorer.ipynb")
    page = browser.find_element(By.TAG_NAME, "body").text
    assert "<Figure size" not in page and "Traceback" not in page
    assert "Ibbenbüren" in page and "Bevölkerung insgesamt" in page
    before = _images(browser, ".jp-OutputArea")
    _dismiss_news(browser)
    _show_first_image(browser)
    browser.save_screenshot(str(shots / "jupyterlab_explorer.png"))
    _choose(browser, "Kennzahl", "Ausländeranteil")
    _wait(browser, lambda d: _images(d, ".jp-OutputArea") not in ([], before), what="new chart")
    assert "9,9" in browser.find_element(By.TAG_NAME, "body").text  # German decimals
    # the name field: a typo offers close matches instead of an error
    field = browser.find_element(By.CSS_SELECTOR, ".widget-text input")
    field.clear()
    field.send_keys("Ibenbüren\n")
    _wait(
        browser,
        lambda d: "Meinten Sie" in d.find_element(By.TAG_NAME, "body").text,
        what="close matches",
    )
    buttons = [
        b
        for b in browser.find_elements(By.CSS_SELECTOR, ".widget-button")
        if b.text.startswith("Ibbenbüren")
    ]
    assert buttons, "Ibbenbüren offered as a close match"
    buttons[0].click()
    _wait(
        browser,
        lambda d: "Meinten Sie" not in d.find_element(By.TAG_NAME, "body").text,
        what="match taken",
    )
    _show_first_image(browser)
    browser.save_screenshot(str(shots / "jupyterlab_explorer_ausl.png"))
    assert js_errors(browser, IGNORE_LAB) == []


def test_chapter_notebook_in_jupyterlab(browser, lab, shots):
    base, token = lab
    _open_and_run_all(browser, base, token, "01_demografie.ipynb")
    try:
        cells = _wait_idle(browser, "01_demografie.ipynb")
    finally:
        browser.save_screenshot(str(shots / "jupyterlab_demografie_end.png"))
    assert [c for c in cells if "error" in c["outputs"]] == [], "no cell fails"
    assert all(c["n"] is not None for c in cells), "every code cell ran"
    figures = [o for c in cells for o in c["outputs"] if o == "figure"]
    assert len(figures) >= 3, f"chapter figures: {cells}"
    text = browser.find_element(By.TAG_NAME, "body").text
    assert "Abbildung 1" in text and "Zum" in text  # figure captions and generated sentences
    assert "<Figure size" not in text and "Traceback" not in text
    assert browser.find_elements(By.CSS_SELECTOR, ".jp-OutputArea-output.jp-mod-error") == []
    _dismiss_news(browser)
    _show_first_image(browser)
    assert _images(browser, ".jp-OutputArea"), "a chapter figure drawn on the page"
    browser.save_screenshot(str(shots / "jupyterlab_demografie.png"))


def test_voila_app(browser, notebooks, shots, tmp_path):
    from ibislib.explore_app import start

    os.environ.setdefault("IBIS_ROOT", str(ROOT))
    proc, url = start(notebooks / "00_explorer.ipynb")
    try:
        browser.get(url)
        _wait(browser, lambda d: len(_images(d)) >= 1, what="app chart")
        code = browser.find_elements(By.CSS_SELECTOR, ".jp-CodeCell .jp-InputArea, .cm-editor")
        assert [e.text for e in code if e.is_displayed() and e.text.strip()] == []
        text = browser.find_element(By.TAG_NAME, "body").text
        assert "municipality =" not in text and "import " not in text  # no code visible
        assert "Ibbenbüren" in text
        before = _images(browser)
        _show_first_image(browser)
        browser.save_screenshot(str(shots / "voila_explorer.png"))
        _choose(browser, "Kennzahl", "Ausländeranteil")
        _wait(browser, lambda d: _images(d) not in ([], before), what="new chart")
        browser.save_screenshot(str(shots / "voila_explorer_ausl.png"))
        # Voilà's own lab template links Font Awesome from a CDN (unreachable offline; the icons
        # are bundled as well): a failed stylesheet load, not a script error
        assert js_errors(browser, ("favicon", "cdn.jsdelivr.net/npm/@fortawesome")) == []
    finally:
        _stop(proc)


def _german_key(s: str) -> str:
    import unicodedata

    s = s.lower().replace("ß", "ss")
    return "".join(c for c in unicodedata.normalize("NFD", s) if not unicodedata.combining(c))


def test_batch_overview(browser, tmp_path, shots):
    from ibislib.batch import municipalities_from
    from ibislib.batch.overview import write_overview
    from ibislib.batch.runner import BatchResult
    from ibislib.batch.worker import Outcome

    ags, _ = municipalities_from(kreis="05566")
    res = BatchResult(out=tmp_path)
    for a in ags:
        res.outcomes[a] = Outcome(a, "done")
        (tmp_path / a).mkdir()
        (tmp_path / a / "index.html").write_text(f"<title>{a}</title>", encoding="utf-8")
    res.outcomes["<b>x</b>"] = Outcome("<b>x</b>", "failed", error="Zeile 9: unbekannt")
    page = write_overview(tmp_path, res)
    browser.get(page.as_uri())
    width = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= 1280, f"page scrolls sideways at 1280 px ({width} px)"
    heads = browser.find_elements(By.CSS_SELECTOR, "thead th")

    def column(i):
        return [
            r.find_elements(By.TAG_NAME, "td")[i].text
            for r in browser.find_elements(By.CSS_SELECTOR, "tbody tr")
            if r.is_displayed()
        ]

    heads[1].click()
    names = column(1)
    assert names == sorted(names, key=_german_key), names
    assert names.index("Hörstel") < names.index("Horstmar")  # ö sorts as o (DIN 5007)
    pop = next(i for i, h in enumerate(heads) if h.text.startswith("Bevölkerung"))
    heads[pop].click()
    values = [float(v.replace(".", "").replace(",", ".")) for v in column(pop) if v != "–"]
    assert values == sorted(values) and len(values) >= 20
    heads[pop].click()
    assert column(pop)[0] == f"{int(max(values)):,}".replace(",", ".")
    box = browser.find_element(By.ID, "filter")
    box.send_keys("ibbenbü")
    assert column(1) == ["Ibbenbüren"]
    assert "1 von" in browser.find_element(By.ID, "count").text
    box.clear()
    box.send_keys("x")  # the escaped list entry is shown as text, not as markup
    assert "<b>x</b>" in browser.find_element(By.TAG_NAME, "tbody").text
    box.clear()
    box.send_keys(" ")
    assert "Kreis Steinfurt" in browser.find_element(By.TAG_NAME, "tfoot").text
    browser.save_screenshot(str(shots / "batch_overview.png"))
    link = browser.find_element(By.LINK_TEXT, "Ibbenbüren")
    link.click()
    assert browser.title == "05566028"
    assert js_errors(browser, ("favicon",)) == []


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    """A real report (chapter 01, HTML) built with the ibis command."""
    out = tmp_path_factory.mktemp("report") / "05566028"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "ibislib.cli",
            "report",
            "-m",
            "05566028",
            "--chapters",
            "01",
            "--formats",
            "html",
            "--out",
            str(out),
        ],
        check=True,
        capture_output=True,
        cwd=str(ROOT),
        timeout=600,
    )
    return out / "index.html"


def test_report_index_links(browser, report, shots):
    browser.get(report.as_uri())
    assert js_errors(browser, ("favicon",)) == []
    links = browser.execute_script(
        "return Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href'))"
    )
    assert links, "the report has a table of contents"
    for href in links:
        if href.startswith("#"):
            assert browser.execute_script(
                "return !!document.getElementById(decodeURIComponent(arguments[0]))", href[1:]
            ), f"anchor {href} has no target"
        elif not href.startswith(("http:", "https:", "mailto:")):
            assert (report.parent / href.split("#")[0]).exists(), f"broken link {href}"
    imgs = browser.execute_script(
        "return Array.from(document.images).map(i => [i.currentSrc.slice(0, 40), i.naturalWidth])"
    )
    assert imgs and all(w > 0 for _, w in imgs), imgs
    browser.save_screenshot(str(shots / "report_index.png"))
