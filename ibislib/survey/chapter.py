"""Sections of the report chapters 05 (surveys and workshops) and 06 (appendix matrices).

The notebooks stay thin: each cell calls one function here, which publishes figures, tables
and generated German text through :mod:`ibislib.publish`. Only aggregates leave this module:
no respondent rows, no free text (open answers only as coded themes named by at least 5
persons), every count under 5 suppressed in tables and sentences (primary and secondary).
Text from data (labels, names) put into Markdown sentences goes through
:func:`ibislib.escape.markdown_text`.
Every figure and table cites the survey's source line; synthetic data say so in it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .. import fmt, publish
from ..errors import DataMissingError
from ..escape import markdown_text as md
from ..text import fuer_region
from . import compare as cmp
from . import frequencies as fq
from . import likert, open_answers
from .codebook import Codebook
from .io import example, surveys

GROUP = "migration"
SHORT = {
    "mit Einwanderungshintergrund (inkl. Schutzsuchende)": "mit Einwanderungshintergrund",
    "ohne Einwanderungshintergrund": "ohne Einwanderungshintergrund",
}
#: Column labels of frequency tables (the page is narrow).
ABBR = {
    "mit Einwanderungshintergrund (inkl. Schutzsuchende)": "mit EH",
    "ohne Einwanderungshintergrund": "ohne EH",
}


@dataclass
class Context:
    ags: str
    name: str
    residents: pd.DataFrame | None = None
    book: Codebook | None = None
    institutions: pd.DataFrame | None = None
    inst_book: Codebook | None = None
    offers: pd.DataFrame | None = None
    offers_book: Codebook | None = None
    workshops: object | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def has_any(self) -> bool:
        return any(x is not None for x in (self.residents, self.institutions, self.workshops))


def load(municipality: str, with_surveys: bool = True) -> Context:
    """Everything chapter 05/06 needs for one municipality (missing parts stay None)."""
    from ..report.blocks import unit_of

    unit = unit_of(municipality)
    ctx = Context(ags=unit.ags, name=unit.name)
    parts = surveys(unit.ags) if with_surveys else {}
    if "einwohner" in parts:
        ctx.residents, ctx.book = example(unit.ags, "einwohner")
    if "institutionen" in parts:
        ctx.institutions, ctx.inst_book = example(unit.ags, "institutionen")
    if "angebote" in parts:
        ctx.offers, ctx.offers_book = example(unit.ags, "angebote")
    from .. import workshops

    try:
        ctx.workshops = workshops.load(unit.ags)
    except DataMissingError:
        ctx.workshops = None
    return ctx


def _source(book: Codebook) -> str:
    src = book.source or book.title
    if book.synthetic and "synthetisch" not in src:
        src += " – synthetische Beispieldaten"
    return src + ", eigene Berechnungen"


def intro(ctx: Context) -> None:
    if not ctx.has_any:
        publish.note(
            f"{fuer_region(ctx.name, capital=True)} liegen keine Befragungsdaten vor: "
            "Befragungen führt die Kommune selbst durch, eine Lieferung fehlt."
        )
        return
    # the chapter opens with its data status: which surveys (and when), as the other chapters
    books = [b for b in (ctx.book, ctx.inst_book, ctx.offers_book) if b is not None]
    names = list(dict.fromkeys(md(b.source or b.title) for b in books if b.source or b.title))
    if names:
        publish.text(f"Datenstand dieses Kapitels: {'; '.join(names)}.")
    if ctx.book is not None and ctx.book.synthetic:
        publish.note(
            "Hinweis: Die Befragungsdaten in diesem Kapitel sind synthetische Beispieldaten. "
            "Sie bilden die veröffentlichten Randverteilungen des Integrationskonzepts nach, "
            "sind aber keine echten Antworten."
        )


# --------------------------------------------------------------------------------------------
# resident survey
# --------------------------------------------------------------------------------------------


def sample(ctx: Context) -> None:
    """Sample description: n, languages, group sizes; table of sex and age by group."""
    df, book = ctx.residents, ctx.book
    if df is None:
        return
    n = len(df)
    groups = df[GROUP].value_counts()
    mig = list(df[GROUP].cat.categories)[0]
    k_mig = int(groups.get(mig, 0))
    abroad = int((df["geburtsland"] == "im Ausland").sum()) if "geburtsland" in df else None
    text = (
        f"An der Online-Befragung der Einwohner*innen haben {fmt.number(n)} Personen teilgenommen"
    )
    if not any(fq.hidden([k_mig, n - k_mig])):
        text += (
            f"; {fmt.number(k_mig)} von ihnen ({fmt.percent(100 * k_mig / n, 0)}) haben nach "
            f"eigener Angabe einen Einwanderungs- bzw. Schutzsuchendenhintergrund"
        )
    text += "."
    if abroad is not None and not any(fq.hidden([abroad, n - abroad])):
        text += f" {fmt.number(abroad)} Teilnehmende sind im Ausland geboren."
    text += f" Genutzte Fragebogensprachen: {language_text(df['language'])}."
    publish.text("## Einwohner*innenbefragung\n\n### Wer hat teilgenommen?\n\n" + text)
    for item, caption in (("geschlecht", "Geschlecht"), ("alter", "Alter")):
        if item not in df:
            continue
        f = fq.frequencies(df, item, GROUP)
        publish.table(
            fq.display_table(f, labels=ABBR),
            name=f"stichprobe_{item}",
            caption=f"Teilnehmende nach {caption} und Einwanderungshintergrund",
            source=_source(book),
        )
    publish.text("EH = Einwanderungs- bzw. Schutzsuchendenhintergrund. " + fq.SUPPRESSION_NOTE)


LANGUAGES = {"de": "Deutsch", "en": "Englisch", "fr": "Französisch", "ls": "Leichte Sprache"}


def language_text(languages: pd.Series) -> str:
    """'Deutsch 300, Englisch 41; Französisch und Leichte Sprache nicht einzeln ausgewiesen …':
    the languages add up to n, so counts under 5 are suppressed (primary and secondary)."""
    langs = languages.value_counts()
    names = [md(LANGUAGES.get(k, k)) for k in langs.index]
    hide = fq.hidden(langs.to_numpy())
    shown = [f"{nm} {fmt.number(v)}" for nm, v, h in zip(names, langs, hide, strict=True) if not h]
    secret = [nm for nm, h in zip(names, hide, strict=True) if h]
    out = ", ".join(shown)
    if secret:
        joined = secret[0] if len(secret) == 1 else ", ".join(secret[:-1]) + " und " + secret[-1]
        out += ("; " if out else "") + (
            f"{joined} (aus Datenschutzgründen nicht einzeln ausgewiesen, "
            "da weniger als 5 Befragte oder Sekundärsperrung)"
        )
    return out


def _small_cells(res: cmp.CompareResult) -> bool:
    """A group's agreeing or other respondents number 1–4: its share would reveal them."""
    for g in res.groups:
        n = int(res.n[g])
        k = round(res.share_agree[g] * n / 100)
        if any(fq.hidden([k, n - k], adds_up=False)):
            return True
    return False


def likert_data(pct: pd.DataFrame) -> pd.DataFrame:
    """A Likert chart's data table: one row per answer, one column of shares (%) per group or
    item with its n in the header; shares of cells under 5 respondents (and secondary
    suppressions) are left empty, as in the tables."""
    counts = pct.attrs["counts"]
    hidden = fq.suppress(counts.T).T.reindex(index=pct.index, columns=pct.columns, fill_value=False)
    out = pct.mask(hidden.to_numpy()).T
    sizes = pct.attrs.get("size", {})
    out.columns = [
        f"{c} (%; n = {fq.n_text(int(pct.attrs['n'].get(c, 0)), sizes.get(c))})"
        for c in out.columns
    ]
    out.index = pd.Index([str(i) for i in out.index], name="Antwort")
    return out.reset_index()


def attitudes(ctx: Context, battery: str = "klima") -> None:
    """Likert items by group (charts like Abbildung 11/13), tests and intervals."""
    df, book = ctx.residents, ctx.book
    if df is None:
        return
    items = book.battery(battery)
    if not items:
        return
    publish.text(
        "### Wahrnehmung des Zusammenlebens\n\nDie Befragten konnten angeben, wie weit sie den "
        "folgenden Aussagen zustimmen. Die Abbildungen zeigen die Anteile an den gültigen "
        "Antworten; unter jeder Gruppe steht ihre Fallzahl. Zahlen unter 5 % und Anteile, die auf "
        "weniger als 5 Befragten beruhen, sind nicht beschriftet."
    )
    labels = {c: book.items[c].question() for c in items}
    shares = likert.battery_shares(df, items, labels)
    fig = likert.diverging(shares, agree=book.agree_labels(items[0]))
    publish.figure(
        fig,
        name=f"likert_{battery}",
        caption="Zustimmung zu Aussagen über das Zusammenleben in der Stadt",
        source=_source(book),
        data=likert_data(shares),
        data_decimals=1,
    )
    rows = []
    suppressed_n = False
    for it in items:
        pct = likert.shares(df, it, GROUP)
        pct.index = [SHORT.get(i, i) for i in pct.index]
        pct.attrs["n"] = {SHORT.get(k, k): v for k, v in pct.attrs["n"].items()}
        pct.attrs["size"] = {SHORT.get(k, k): v for k, v in pct.attrs["size"].items()}
        pct.attrs["counts"].index = pct.index
        fig = likert.diverging(pct, agree=book.agree_labels(it))
        publish.figure(
            fig,
            name=f"likert_{it}",
            caption=labels[it],
            source=_source(book),
            data=likert_data(pct),
            data_decimals=1,
        )
        res = cmp.compare(df, it, GROUP, question=labels[it])
        if _small_cells(res):
            publish.text(
                "Ein Gruppenvergleich wird hier nicht ausgewiesen: In einer Gruppe stimmen weniger "
                "als 5 Befragte zu oder nicht zu (Datenschutz)."
            )
            continue
        publish.text(res.sentence(SHORT))
        rows.append(res.compact(("mit EH", "ohne EH")))
        suppressed_n |= res.n_suppressed
    if not rows:
        return
    table = pd.DataFrame(rows)
    publish.table(
        table,
        name=f"vergleich_{battery}",
        caption="Vergleich der Gruppen mit und ohne Einwanderungshintergrund (EH): Zustimmung, Tests und Intervalle",
        source=_source(book),
    )
    publish.text(
        "Lesehilfe: Zustimmung = „stimme voll und ganz zu“ oder „stimme zu“. Mann-Whitney-U-Test "
        "(p-Wert per Permutation, 9.999 Ziehungen) und Fisher-Test (r×c, Monte-Carlo) prüfen, ob "
        "sich die Antwortverteilungen unterscheiden; r ist die Rang-biseriale Korrelation, das Odds "
        "Ratio stammt aus einem geordneten Logit-Modell (> 1: die erste Gruppe stimmt eher weniger "
        "zu). Das Konfidenzintervall der Differenz (Newcombe) zeigt, welche Unterschiede mit den "
        "Daten vereinbar sind. Die Vergleiche sind ungewichtet."
        + (
            " n = • : Die Zahl der gültigen Antworten einer Gruppe wird nicht genannt, wenn 1 bis "
            "4 ihrer Mitglieder die Frage nicht beantwortet haben (sie ergäbe sich sonst aus der "
            "Gruppengröße). " + fq.SUPPRESSION_NOTE
            if suppressed_n
            else ""
        )
    )


def open_answers_section(ctx: Context, item: str = "bedeutung") -> None:
    """Open answers as coded themes with the number of persons naming them (as the concept's
    chapter 3.2 does): only themes named by at least 5 persons, never an answer's wording."""
    df, book = ctx.residents, ctx.book
    if df is None or item not in df:
        return
    themes = open_answers.load_themes()
    coded = open_answers.code_answers(df[item], themes)
    freq = open_answers.theme_frequencies(coded, themes)
    n = freq.attrs["n"]
    question = md(themes.question)
    if n < fq.MIN_CELL:
        publish.text(
            f"### {question}\n\nDie offene Frage „{question}“ haben weniger als 5 Befragte "
            "beantwortet; die Antworten werden aus Datenschutzgründen nicht ausgewertet."
        )
        return
    shown = open_answers.publishable(freq)
    few = len(freq) - len(shown) - int((freq["Personen"] == 0).sum())
    # n short of all participants by 1–4 would tell how many skipped the question
    who = (
        f"Alle {fmt.number(len(df))} Befragten bis auf weniger als 5"
        if fq.n_hidden(n, len(df))
        else f"{fmt.number(n)} Befragte"
    )
    text = (
        f"### {question}\n\n{who} haben die offene Frage „{question}“ "
        f"beantwortet. Die Antworten wurden mit einem Wörterbuch von Wortstämmen "
        f"(Version {md(themes.version)}) Themen zugeordnet; eine Antwort kann mehrere Themen "
        f"enthalten. Ausgewiesen werden nur Themen, die mindestens 5 Personen genannt haben; "
        f"einzelne Antworten werden nicht veröffentlicht."
    )
    if len(shown):
        top = shown.iloc[0]
        text += (
            f" Am häufigsten genannt wurde „{md(top['Thema'])}“ "
            f"({fmt.number(top['Personen'])} Personen, {fmt.percent(top['Anteil (%)'], 0)})."
        )
    if few == 1:
        text += " Ein weiteres Thema wurde von weniger als 5 Personen genannt."
    elif few > 1:
        text += f" {fmt.number(few)} weitere Themen wurden von je weniger als 5 Personen genannt."
    publish.text(text)
    if len(shown):
        publish.table(
            shown,
            name="offene_antworten_themen",
            caption=f"Themen der Antworten auf „{themes.question}“ (Mehrfachzuordnung)",
            source=_source(book),
            decimals={"Personen": 0, "Anteil (%)": 1},
        )


def weighting_section(ctx: Context) -> None:
    """Raking to the population margins in the store; weighted vs unweighted agreement."""
    df, book = ctx.residents, ctx.book
    if df is None:
        return
    from .. import store
    from . import weighting as wg

    try:
        st = store.load()
        margins = [
            wg.margin_sex(st, ctx.ags),
            wg.margin_age(st, ctx.ags, wg.AGE_BANDS),
            wg.margin_nationality(st, ctx.ags),
        ]
    except DataMissingError as exc:
        publish.note(f"Eine Gewichtung ist nicht möglich: {exc.problem}.")
        return
    res = wg.rake(df, margins)
    rows = []
    for it in book.battery("klima"):
        agree = book.agree_labels(it)
        valid = df[it].notna()
        unw = 100 * df.loc[valid, it].astype(object).isin(agree).mean()
        rows.append(
            {
                "Aussage": book.items[it].question(),
                "Zustimmung ungewichtet (%)": unw,
                "Zustimmung gewichtet (%)": wg.weighted_share(df, it, agree, res.weights),
            }
        )
    sources = "; ".join(dict.fromkeys(f"{m.source} ({fmt.period(m.period)})" for m in margins))
    publish.text(
        f"### Gewichtung\n\nDie Stichprobe ist nicht repräsentativ. Zur Einordnung wurde sie an die "
        f"Bevölkerung nach Geschlecht, Altersgruppe und Staatsangehörigkeit angepasst (Raking, "
        f"Gewichte auf 0,2 bis 5 begrenzt). Die Gewichtungseffizienz beträgt "
        f"{fmt.percent(100 * res.efficiency, 0)}; die {fmt.number(res.n)} Befragten entsprechen damit "
        f"einer effektiven Fallzahl von {fmt.number(res.n_effective)}. Gruppenvergleiche oben sind ungewichtet."
    )
    publish.table(
        pd.DataFrame(rows),
        name="gewichtung",
        caption="Zustimmung ungewichtet und gewichtet",
        source=f"{_source(book)}; Randverteilungen: {sources}",
        decimals=1,
    )


# --------------------------------------------------------------------------------------------
# institution survey
# --------------------------------------------------------------------------------------------


def institutions(ctx: Context) -> None:
    inst, book = ctx.institutions, ctx.inst_book
    if inst is None:
        return
    from .institutions import rating_table, share_text, specific_offers, target_groups

    publish.text(
        f"## Befragung der Institutionen\n\nAn der Befragung haben {fmt.number(len(inst))} Institutionen teilgenommen."
    )
    if ctx.offers is not None:
        ob = ctx.offers_book
        tg = target_groups(ctx.offers, ob)
        sp = specific_offers(ctx.offers, ob, [c for c in ob.items if c.startswith("speziell_")])
        n_offers = len(ctx.offers)
        # an offer either is or is not for a group: both counts must be at least 5
        parts = [
            f"{fmt.percent(r['Anteil (%)'], 0)} {md(r['Angebot'])}"
            for _, r in sp.iterrows()
            if not any(fq.hidden([r["Angebote"], n_offers - r["Angebote"]], adds_up=False))
        ]
        text = f"Die Institutionen nannten {fmt.number(n_offers)} Angebote."
        if parts:
            text += " Davon richten sich " + " und ".join(parts) + "."
        tg_hidden = fq.hidden(tg["Angebote"], adds_up=False)  # multiple response: no sum
        least = tg.iloc[-1]
        if tg_hidden[-1]:
            text += (
                f" Die wenigsten Angebote gibt es für {md(least['Zielgruppe'])} (weniger als 5)."
            )
        else:
            text += (
                f" Die wenigsten Angebote gibt es für {md(least['Zielgruppe'])} "
                f"({fmt.number(least['Angebote'])})."
            )
        publish.text(text)
        shown_tg = tg.copy()
        shown_tg["Angebote"] = [
            fq.count_text(k, h) for k, h in zip(tg["Angebote"], tg_hidden, strict=True)
        ]
        share_col = "Anteil an allen Angeboten (%)"
        shown_tg[share_col] = [
            fq.SUPPRESSED if h else fmt.number(v, 0)
            for v, h in zip(tg[share_col], tg_hidden, strict=True)
        ]
        publish.table(
            shown_tg,
            name="angebote_zielgruppen",
            caption="Angebote der Institutionen nach Zielgruppe (Mehrfachnennung)",
            source=_source(ob),
            decimals={"Anteil an allen Angeboten (%)": 0},
        )
    items = book.battery("bewertung")
    for it in items:
        pct = likert.shares(inst, it)
        pct.index = ["alle Institutionen"]
        pct.attrs["n"] = {"alle Institutionen": int(inst[it].notna().sum())}
        pct.attrs["counts"].index = pct.index
        fig = likert.diverging(pct, agree=book.agree_labels(it))
        publish.figure(
            fig,
            name=f"institutionen_{it}",
            caption=book.items[it].question(),
            source=_source(book),
            data=likert_data(pct),
            data_decimals=1,
        )
    publish.table(
        rating_table(inst, book, items),
        name="institutionen_bewertungen",
        caption="Bewertungen der Institutionen (Anzahl)",
        source=_source(book),
    )
    publish.text(fq.SUPPRESSION_NOTE)
    if "vernetzung_ausbau" in inst:
        share = share_text(inst, "vernetzung_ausbau", ["ja"])
        publish.text(
            f"{share} der Institutionen, die sich dazu äußerten, planen eine Ausweitung ihrer Vernetzung."
            if share
            else "Wie viele Institutionen eine Ausweitung ihrer Vernetzung planen, wird wegen "
            "geringer Fallzahlen (weniger als 5) nicht ausgewiesen."
        )


# --------------------------------------------------------------------------------------------
# workshops
# --------------------------------------------------------------------------------------------


def workshop_prioritisation(ctx: Context) -> None:
    from .. import workshops as w

    ws = ctx.workshops
    if ws is None:
        if ctx.has_any:
            publish.note(f"{fuer_region(ctx.name, capital=True)} liegen keine Workshopdaten vor.")
        return
    rank = w.ranking(ws)
    src = ws.source_dots or ws.source_challenges
    publish.text(
        "## Priorisierung in den Workshops\n\nIn der ersten Workshopphase haben die Teilnehmenden "
        "die Herausforderungen je Handlungsfeld mit Klebepunkten priorisiert. Die fünf "
        "Herausforderungen mit den meisten Punkten sind markiert. Punktzahlen unter 5 sind "
        "aus Datenschutzgründen nicht ausgewiesen (•; mit Sekundärsperrung)."
        + (
            " Die Punktzahlen sind synthetisch (die echten Zahlen sind nicht veröffentlicht)."
            if ws.synthetic_dots
            else ""
        )
    )
    for field_name in dict.fromkeys(rank["handlungsfeld"]):
        tab = w.ranking_table(rank, field_name)
        n_people = int(rank.loc[rank["handlungsfeld"] == field_name, "teilnehmende"].iloc[0])
        people = f" ({fmt.number(n_people)} Teilnehmende)" if n_people >= fq.MIN_CELL else ""
        publish.table(
            tab,
            name=f"priorisierung_{field_name}",
            caption=f"Priorisierung im Handlungsfeld „{field_name}“{people}",
            source=src,
            decimals={"Anteil (%)": 1},
        )
    skipped = [f["name"] for f in ws.fields if not f.get("workshop")]
    if skipped:
        publish.text(
            "Nicht in Workshops behandelt: "
            + ", ".join(f"„{md(s)}“" for s in skipped)
            + " (an Politik und Verwaltung weitergegeben)."
        )


def appendix(ctx: Context, edition: int | None = None) -> None:
    """Chapter 06: the challenge matrix and the measures matrix (HTML tables + one XLSX).

    With a status file (Maßnahmen-Controlling, :mod:`ibislib.measures`) the measures matrix
    gets the column 'Umsetzungsstand'."""
    from .. import measures
    from .. import workshops as w

    ws = ctx.workshops
    if ws is None:
        publish.note(
            f"{fuer_region(ctx.name, capital=True)} liegen keine Workshopdaten vor; der Anhang "
            "entfällt (die Matrix entsteht aus den Workshops der Kommune)."
        )
        return
    cm = w.challenge_matrix(ws)
    mm = measures.with_status(w.measures_matrix(ws), ctx.ags, edition)
    publish.text("## Herausforderungen, Ziele und Zielgruppen")
    for field_name, sub in cm.groupby("Handlungsfeld", sort=False):
        shown = sub.drop(columns="Handlungsfeld").replace({"\n": " / "}, regex=True)
        if "Bereich" in shown and not shown["Bereich"].astype(bool).any():
            shown = shown.drop(columns="Bereich")
        publish.table(
            shown,
            name=f"matrix_herausforderungen_{field_name}",
            caption=f"Herausforderungen im Handlungsfeld „{field_name}“",
            source=ws.source_challenges,
        )
    if len(mm):
        publish.text("## Maßnahmen")
        keys = [
            "Maßnahme",
            "Herausforderung",
            "Ziel",
            "Zielgruppe",
            "Sozialraumbezug",
            "Stakeholder*innen",
            "Ressourcen/Finanzierung",
        ]
        keys += ["Umsetzungsstand"] if "Umsetzungsstand" in mm else []
        for field_name, sub in mm.groupby("Handlungsfeld", sort=False):
            # one block of rows per measure (like the boxes in chapter 4): fits an A4 page
            rows = [
                {
                    "Nr.": r["Nr."] if i == 0 else "",
                    "Merkmal": k,
                    "Inhalt": str(r[k]).replace("\n", " / "),
                }
                for _, r in sub.iterrows()
                for i, k in enumerate(keys)
            ]
            publish.table(
                pd.DataFrame(rows),
                name=f"matrix_massnahmen_{field_name}",
                caption=f"Maßnahmen im Handlungsfeld „{field_name}“",
                source=ws.source_measures,
            )
    target = publish.output_dir() / "anhang_matrix.xlsx"
    w.write_xlsx(
        target,
        {"Herausforderungen": cm, "Maßnahmen": mm},
        title=f"Integrationskonzept {ctx.name}",
        source=ws.source_measures or ws.source_challenges,
    )
    publish.text(
        f"Die vollständige Matrix (mit den Schritten zur Umsetzung) liegt als Excel-Datei `{target.name}` bei."
    )


def explore(ctx: Context) -> None:
    """JupyterLab only: pick an item and see the group comparison (not part of the report)."""
    if ctx.residents is None:
        return
    import ipywidgets as widgets
    from IPython.display import display

    df, book = ctx.residents, ctx.book
    ordinal = [
        c
        for c, it in book.items.items()
        if it.scale is not None and it.scale.type == "ordinal" and c in df and df[c].cat.ordered
    ]
    out = widgets.Output()
    pick = widgets.Dropdown(
        options=[(book.items[c].question()[:70], c) for c in ordinal], description="Frage"
    )

    def show(_change=None) -> None:
        with out:
            out.clear_output()
            res = cmp.compare(df, pick.value, GROUP, n_resamples=1999)
            print(res.sentence(SHORT))

    pick.observe(show, names="value")
    display(widgets.VBox([pick, out]))
    show()
