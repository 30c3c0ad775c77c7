"""French-first labels and number formats, with English available."""

from __future__ import annotations

from datetime import date, datetime

LANGS = ("fr", "en")
NNBSP = "\u202f"  # narrow no-break space: French thousands separator
NBSP = "\u00a0"

_T: dict[str, tuple[str, str]] = {
    # navigation
    "app_title": ("Portefeuille ESS", "ESS portfolio"),
    "page_overview": ("Vue d'ensemble", "Overview"),
    "page_budgets": ("Budgets", "Budgets"),
    "page_fse": ("Cofinancement FSE", "ESF cofinancing"),
    "page_map": ("Carte", "Map"),
    "page_themes": ("Thèmes", "Themes"),
    "page_projects": ("Projets", "Projects"),
    "page_quality": ("Qualité des données", "Data quality"),
    # filters
    "filters": ("Filtres", "Filters"),
    "language": ("Langue", "Language"),
    "f_programme": ("Appel / programme", "Call / programme"),
    "f_status": ("Statut", "Status"),
    "f_region": ("Région", "Region"),
    "f_department": ("Département", "Department"),
    "f_theme": ("Thème", "Theme"),
    "f_budget": ("Budget (€)", "Budget (€)"),
    "f_budget_min": ("Budget minimum (€)", "Minimum budget (€)"),
    "f_budget_max": ("Budget maximum (€)", "Maximum budget (€)"),
    "f_period": ("Période (années)", "Period (years)"),
    "f_search": ("Recherche (titre, organisation)", "Search (title, organisation)"),
    "f_reset": ("Réinitialiser les filtres", "Reset filters"),
    "all": ("Tous", "All"),
    # statuses
    "status_funded": ("Financé", "Funded"),
    "status_laureate": ("Lauréat", "Laureate"),
    "status_eligible": ("Éligible", "Eligible"),
    "status_example": ("Exemple", "Example"),
    "status_experimentation": ("Expérimentation", "Experimentation"),
    "status_initiative": ("Initiative", "Initiative"),
    "status_supported": ("Soutenu", "Supported"),
    # scope
    "scope_local": ("Local", "Local"),
    "scope_multi-region": ("Multi-régions", "Multi-region"),
    "scope_national": ("National", "National"),
    "scope_none": ("Non localisé", "Not placed"),
    # common
    "based_on": ("Sur la base de {n} projets sur {total}", "Based on {n} of {total} projects"),
    "without_budget": ("{n} sans budget", "{n} without a budget"),
    "filtered_by": ("Filtres : {desc}", "Filters: {desc}"),
    "no_filter": ("aucun filtre", "no filter"),
    "empty": ("Aucun projet ne correspond à ces filtres. Élargissez la sélection dans la barre latérale "
              "ou réinitialisez les filtres.", "No project matches these filters. Widen the selection in the "
              "sidebar or reset the filters."),
    "no_warehouse": ("L'entrepôt de données est introuvable. Construisez-le avec `python -m etl` "
                     "(ou `./dev.sh etl`), puis rechargez la page.",
                     "The data warehouse was not found. Build it with `python -m etl` (or "
                     "`./dev.sh etl`), then reload the page."),
    "url_notes": ("Le lien contenait des filtres hors des données ou illisibles ({p}) : ils ont été ajustés ou "
                  "ignorés.", "The link held filters outside the data or unreadable ({p}): they were adjusted or "
                  "ignored."),
    "error": ("Une erreur est survenue en préparant cette page ({kind}). Les autres pages restent "
              "disponibles ; si le problème persiste, reconstruisez l'entrepôt avec `python -m etl`.",
              "Something went wrong while preparing this page ({kind}). The other pages still work; if "
              "this persists, rebuild the warehouse with `python -m etl`."),
    "download_csv": ("Télécharger (CSV)", "Download (CSV)"),
    "data_table": ("Données du graphique", "Data behind the chart"),
    "projects_n": ("projets", "projects"),
    "title": ("Titre", "Title"),
    "programme": ("Programme", "Programme"),
    "status": ("Statut", "Status"),
    "lead_org": ("Porteur", "Lead organisation"),
    "budget": ("Budget", "Budget"),
    "total_budget": ("Budget total", "Total budget"),
    "fse_amount": ("Montant FSE", "ESF amount"),
    "fse_code": ("Code opération FSE", "ESF operation code"),
    "grant": ("Subvention", "Grant"),
    "regions": ("Régions", "Regions"),
    "region": ("Région", "Region"),
    "department": ("Département", "Department"),
    "theme": ("Thème", "Theme"),
    "count": ("Nombre", "Count"),
    "share": ("Part", "Share"),
    "amount_eur": ("Montant (€)", "Amount (€)"),
    "scope": ("Portée", "Scope"),
    "year": ("Année", "Year"),
    "rate": ("Taux", "Rate"),
    # overview
    "ov_title": ("Vue d'ensemble du portefeuille", "Portfolio overview"),
    "kpi_projects": ("Projets", "Projects"),
    "kpi_budget": ("Budget total", "Total budget"),
    "kpi_fse": ("Montant FSE", "ESF amount"),
    "kpi_avg_rate": ("Taux FSE moyen", "Average ESF rate"),
    "kpi_median_rate": ("Taux FSE médian", "Median ESF rate"),
    "kpi_grants": ("Subventions", "Grants"),
    "kpi_regions": ("Régions couvertes", "Regions covered"),
    "funnel_title": ("Entonnoir de sélection des appels", "Selection funnel of each call"),
    "funnel_applications": ("Candidatures", "Applications"),
    "funnel_admissible": ("Recevables", "Admissible"),
    "funnel_preselected": ("Présélectionnés", "Preselected"),
    "funnel_laureates": ("Lauréats", "Laureates"),
    "funnel_supported": ("Soutenus", "Supported"),
    "recon_title": ("Subventions des lauréats et enveloppe annoncée", "Laureates' grants against the announced envelope"),
    "envelope": ("Enveloppe", "Envelope"),
    "grants_sum": ("Somme des subventions", "Sum of grants"),
    "gap": ("Écart", "Gap"),
    "within_tolerance": ("dans la tolérance de {tol}", "within the {tol} tolerance"),
    "outside_tolerance": ("au-delà de la tolérance de {tol}", "beyond the {tol} tolerance"),
    "by_programme": ("Projets par programme et statut", "Projects by programme and status"),
    "by_programme_others": ("Le graphique montre les {k} programmes les plus fournis ; les autres réunissent {n} projets "
                            "(détail dans les données du graphique).",
                            "The chart shows the {k} largest programmes; the others hold {n} projects (listed in the "
                            "data behind the chart)."),
    # budgets
    "bu_title": ("Distribution des budgets", "Distribution of project budgets"),
    "bu_hist": ("Nombre de projets par tranche de budget", "Number of projects per budget band"),
    "bu_box": ("Budgets par programme (boîtes : quartiles)", "Budgets by programme (boxes: quartiles)"),
    "bu_scale": ("Échelle", "Scale"),
    "bu_log": ("Logarithmique", "Logarithmic"),
    "bu_linear": ("Linéaire", "Linear"),
    "bu_group": ("Grouper par", "Group by"),
    "bu_top": ("Les {n} plus gros projets", "The {n} largest projects"),
    "bu_grant_vs_budget": ("Lauréats PTCE : subvention et budget triennal", "PTCE laureates: grant and 3-year budget"),
    "bu_share": ("Part du budget", "Share of the budget"),
    "bu_laureates": ("lauréats", "laureates"),
    "bu_density": ("{n} lauréats avec une subvention et un budget : trop pour un point chacun, le graphique les compte "
                   "par tranche de budget et par part de la subvention dans le budget (tranches de 5 %).",
                   "{n} laureates with a grant and a budget: too many for a point each, the chart counts them per "
                   "budget band and share of the grant in the budget (5 % bands)."),
    "bu_budget_note": ("Budget : budget total (FSE) ou budget triennal (PTCE), tel qu'imprimé.",
                       "Budget: total budget (ESF) or three-year budget (PTCE), as printed."),
    "grant_share": ("Part de la subvention", "Grant share"),
    # fse
    "fse_title": ("Cofinancement par le Fonds social européen", "European Social Fund cofinancing"),
    "fse_scatter": ("Montant FSE et budget total, avec la ligne des 50 %", "ESF amount against total budget, with the 50 % line"),
    "fse_rates": ("Taux FSE déclaré et taux calculé (montant ÷ budget)", "Stated ESF rate and computed rate (amount ÷ budget)"),
    "fse_stacked": ("FSE et autres financements par projet", "ESF and other funding per project"),
    "fse_other": ("Autres financements", "Other funding"),
    "fse_cofinancers": ("Autres cofinanceurs cités", "Other cofinancers named"),
    "fse_line50": ("50 % du budget", "50 % of budget"),
    "fse_flagged": ("Incohérence signalée", "Flagged inconsistency"),
    "fse_ok": ("Cohérent", "Consistent"),
    "rate_stated": ("Taux déclaré", "Stated rate"),
    "rate_computed": ("Taux calculé", "Computed rate"),
    "fse_none": ("Aucun projet cofinancé par le FSE dans la sélection.", "No ESF-cofinanced project in the selection."),
    "cofinancer": ("Cofinanceur", "Cofinancer"),
    "n_projects": ("Nombre de projets", "Number of projects"),
    "issues_flagged": ("Incohérences signalées", "Flagged inconsistencies"),
    # map
    "map_title": ("Répartition géographique", "Where the projects are"),
    "map_measure": ("Mesure", "Measure"),
    "map_level": ("Niveau", "Level"),
    "m_count": ("Nombre de projets", "Number of projects"),
    "m_budget": ("Budget total (€)", "Total budget (€)"),
    "m_fse": ("Montant FSE (€)", "ESF amount (€)"),
    "m_grant": ("Subventions (€)", "Grants (€)"),
    "map_click": ("Cliquez une région (ou choisissez-la ci-dessous) pour filtrer toutes les pages.",
                  "Click a region (or pick it below) to filter every page."),
    "map_pick": ("Filtrer sur la région", "Filter on region"),
    "map_multi_note": ("Un projet multi-régions compte pour chacune de ses régions dans le nombre de projets ; "
                       "ses montants sont répartis à parts égales entre ses régions, si bien que la somme des régions "
                       "égale le total sans double compte.",
                       "A multi-region project counts in each of its regions for the number of projects; its "
                       "amounts are split equally between its regions, so the regions add up to the total with "
                       "no double counting."),
    "map_outside": ("Hors carte", "Not on the map"),
    "map_overseas": ("Outre-mer", "Overseas"),
    "map_title_fmt": ("{measure} par {level}", "{measure} by {level}"),
    "level_region": ("région", "region"),
    "level_department": ("département", "department"),
    # themes
    "th_title": ("Répartition thématique", "Breakdown by theme"),
    "th_treemap": ("Projets par thème et programme", "Projects by theme and programme"),
    "th_bar": ("Projets et montants par thème", "Projects and amounts per theme"),
    "th_heatmap": ("Projets par thème et région", "Projects by theme and region"),
    "th_note": ("Un projet peut relever de plusieurs thèmes : il figure dans chacun, mais n'est compté qu'une "
                "fois dans les totaux.", "A project may belong to several themes: it appears in each, but is "
                "counted once in the totals."),
    "th_distinct": ("{n} projets distincts, {a} affectations thème–projet",
                    "{n} distinct projects, {a} theme–project assignments"),
    "loc_printed": ("Lieu imprimé", "Printed location"),
    "geo_method": ("Méthode de placement", "Placement method"),
    "tags": ("Étiquettes", "Tags"),
    "structure": ("Type de structure", "Structure type"),
    "website": ("Site web", "Website"),
    "postcode": ("Code postal", "Postcode"),
    "objective": ("Objectif", "Objective"),
    "description": ("Description", "Description"),
    "start": ("Début", "Start"),
    "kind_triennial": ("triennal", "three-year"),
    "kind_total": ("total", "total"),
    "kind_granted": ("accordée", "granted"),
    "kind_requested": ("demandée", "requested"),
    "end": ("Fin", "End"),
    # projects
    "pr_title": ("Explorateur de projets", "Project explorer"),
    "pr_sort": ("Trier par", "Sort by"),
    "pr_page": ("Page", "Page"),
    "pr_pages": ("Page {p} sur {n}", "Page {p} of {n}"),
    "pr_detail": ("Fiche détaillée", "Project details"),
    "pr_pick": ("Choisir un projet", "Pick a project"),
    "pr_fields": ("Champs", "Fields"),
    "pr_sources": ("Origine de chaque valeur", "Where each value comes from"),
    "pr_excerpt": ("Extrait du document source", "Excerpt of the source document"),
    "pr_not_kept": ("Le texte source n'est conservé que pour les documents et les tableaux de {n} lignes au plus : "
                    "ce projet est la ligne {line} de {file}.",
                    "The source text is kept only for documents and for tables of at most {n} rows: this project is "
                    "row {line} of {file}."),
    "pr_issues": ("Problèmes de qualité", "Quality issues"),
    "pr_no_issue": ("Aucun problème signalé pour ce projet.", "No issue flagged for this project."),
    "pr_partners": ("Partenaires", "Partners"),
    "pr_cofinancers": ("Cofinanceurs", "Cofinancers"),
    "pr_key_figures": ("Chiffres clés", "Key figures"),
    "pr_themes": ("Thèmes (règle)", "Themes (rule)"),
    "pr_lines": ("{file}, lignes {a}–{b}", "{file}, lines {a}–{b}"),
    "pr_line": ("{file}, ligne {a}", "{file}, line {a}"),
    "field": ("Champ", "Field"),
    "value": ("Valeur", "Value"),
    "raw_value": ("Texte imprimé", "Printed text"),
    "line": ("Ligne", "Line"),
    # quality
    "qu_title": ("Qualité des données", "Data quality"),
    "qu_by_rule": ("Problèmes par règle et gravité", "Issues by rule and severity"),
    "qu_coverage": ("Couverture", "Coverage"),
    "qu_with_budget": ("avec un budget", "with a budget"),
    "qu_on_map": ("placés sur la carte", "placed on the map"),
    "qu_themed": ("avec un thème", "with a theme"),
    "qu_list": ("Problèmes et enregistrements concernés", "Issues and the records concerned"),
    "qu_rule": ("Règle", "Rule"),
    "qu_severity": ("Gravité", "Severity"),
    "qu_message": ("Message", "Message"),
    "qu_values": ("Valeurs", "Values"),
    "qu_record": ("Enregistrement", "Record"),
    "qu_source": ("Source", "Source"),
    "qu_none": ("Aucun problème pour la sélection.", "No issue for the selection."),
    "sev_error": ("Erreur", "Error"),
    "sev_warning": ("Avertissement", "Warning"),
    "sev_info": ("Information", "Information"),
    "qu_programme_level": ("(niveau programme)", "(programme level)"),
    "data_date": ("Données construites le {d}", "Data built on {d}"),
    "extraction_banner": ("Données incomplètes : {n} erreur(s) de lecture dans {files} fichier(s) et {skipped} "
                          "document(s) ignoré(s). Des enregistrements annoncés par les sources manquent peut-être. "
                          "Le détail est sur la page Qualité des données, section « Documents lus ».",
                          "Incomplete data: {n} reading error(s) in {files} file(s) and {skipped} document(s) skipped. "
                          "Records the sources announce may be missing. Details on the Data quality page, section "
                          "'Documents read'."),
    "qu_documents": ("Documents lus", "Documents read"),
    "qu_documents_help": ("Chaque fichier d'entrée : sa famille, son titre, les enregistrements lus face à ceux qu'il "
                          "annonce, ses erreurs de lecture, ou la raison pour laquelle il a été ignoré.",
                          "Every input file: its family, title, the records read against those it announces, its "
                          "reading errors, or why it was skipped."),
    "doc_file": ("Fichier", "File"),
    "doc_title": ("Titre", "Title"),
    "doc_family": ("Famille", "Family"),
    "doc_status": ("État", "Status"),
    "doc_records": ("Enregistrements lus", "Records read"),
    "doc_announced": ("Annoncés / lus", "Announced / read"),
    "doc_errors": ("Erreurs de lecture", "Reading errors"),
    "doc_reason": ("Raison", "Reason"),
    "doc_loaded": ("lu", "read"),
    "doc_skipped": ("ignoré", "skipped"),
}


def t(key: str, lang: str = "fr", **kw) -> str:
    pair = _T.get(key)
    text = key if pair is None else pair[0 if lang == "fr" else 1]
    return text.format(**kw) if kw else text


def _missing(v) -> bool:
    if v is None:
        return True
    if type(v) in (int, str) or isinstance(v, float):  # the usual values, without pandas (charts format thousands)
        return bool(v != v)  # NaN
    try:
        import pandas as pd

        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _group(n: int, sep: str) -> str:
    return f"{n:,}".replace(",", sep)


def fmt_int(v, lang: str = "fr") -> str:
    if _missing(v):
        return "–"
    return _group(int(round(float(v))), NNBSP if lang == "fr" else ",")


def fmt_eur(v, lang: str = "fr") -> str:
    """``159 810 €`` in French, ``€159,810`` in English; whole euros."""
    if _missing(v):
        return "–"
    n = fmt_int(v, lang)
    return f"{n}{NBSP}€" if lang == "fr" else f"€{n}"


def fmt_eur_short(v, lang: str = "fr", unit: float | None = None) -> str:
    """An amount for a key-figure tile: exact below ten million euros (``9 999 999 €``), else in millions or
    billions with three significant digits at least (``108,1 M€``, ``2,35 Md€``; ``€108.1M``, ``€2.35bn``).
    ``unit`` (1e6 or 1e9) imposes the unit and drops trailing zeros, for the ticks of one axis (``20 M€``)."""
    if _missing(v):
        return "–"
    a = abs(float(v))
    if unit is None:
        if a < 1e7:
            return fmt_eur(v, lang)
        unit = 1e9 if a >= 999.95e6 else 1e6
        x = a / unit
        n = f"{x:,.{2 if x < 9.995 else 1 if x < 999.95 else 0}f}"
    else:
        n = f"{a / unit:,.2f}".rstrip("0").rstrip(".")
    name_fr, name_en = ("Md€", "bn") if unit >= 1e9 else ("M€", "M")
    sign = "-" if float(v) < 0 else ""
    if lang == "fr":
        return sign + n.replace(",", NNBSP).replace(".", ",") + f"{NBSP}{name_fr}"
    return f"{sign}€{n}{name_en}"


def fmt_pct(v, lang: str = "fr", digits: int = 1) -> str:
    if _missing(v):
        return "–"
    s = f"{float(v) * 100:.{digits}f}"
    return (s.replace(".", ",") + f"{NBSP}%") if lang == "fr" else f"{s}%"


def fmt_date(v, lang: str = "fr") -> str:
    if _missing(v):
        return "–"
    if isinstance(v, str):
        v = date.fromisoformat(v[:10])
    if isinstance(v, datetime):
        v = v.date()
    return v.strftime("%d/%m/%Y") if lang == "fr" else v.isoformat()




def date_format(lang: str) -> str:
    return "DD/MM/YYYY" if lang == "fr" else "YYYY-MM-DD"


def eur_format(lang: str) -> str:
    """printf-style format for st.column_config.NumberColumn."""
    return "%.0f €" if lang == "fr" else "€%.0f"


def plotly_separators(lang: str) -> str:
    """Plotly's ``separators``: decimal then thousands."""
    return ", " if lang == "fr" else ".,"

_T.update({
    "deck": ("Support pour le comité de pilotage", "Steering-committee deck"),
    "deck_title": ("Portefeuille ESS", "ESS portfolio"),
    "deck_subtitle": ("Comité de pilotage", "Steering committee"),
    "deck_sources": ("Sources", "Sources"),
    "deck_key_figures": ("Chiffres clés", "Key figures"),
    "deck_projects": ("Principaux projets (par budget)", "Main projects (by budget)"),
    "deck_more": ("… et {n} autres projets dans le tableau de bord", "… and {n} more projects in the dashboard"),
    "deck_caveats": ("Qualité des données : points d'attention", "Data quality: caveats"),
    "deck_coverage": ("Couverture : {b} avec un budget, {m} placés sur la carte, {t} avec un thème",
                      "Coverage: {b} with a budget, {m} on the map, {t} with a theme"),
    "deck_pptx": ("Support PPTX", "PPTX deck"),
    "deck_pdf": ("Support PDF", "PDF deck"),
    "deck_help": ("Un clic : le support reprend les filtres en cours (titre, chiffres clés, graphiques, projets, "
                  "réserves sur les données).", "One click: the deck follows the current filters (title, key figures, "
                  "charts, projects, data caveats)."),
    "deck_offmap": ("Hors carte : {n} projets nationaux, {u} non localisés", "Off the map: {n} national projects, "
                    "{u} not placed"),
    "download_xlsx": ("Télécharger (XLSX)", "Download (XLSX)"),
    "download_png": ("Image PNG", "PNG image"),
    "download_svg": ("Image SVG", "SVG image"),
    "exports": ("Exports", "Exports"),
})

_T.update({
    "page_import": ("Importer des données", "Import data"),
    "im_title": ("Importer un fichier de projets", "Import a file of projects"),
    "im_token": ("Mot de passe ou jeton de l'opérateur", "Operator password or token"),
    "im_token_bad": ("Mot de passe incorrect.", "Wrong password."),
    "im_disabled": ("L'import est désactivé sur ce serveur (voir le README : ESS_IMPORT_ENABLED).",
                    "Import is disabled on this server (see the README: ESS_IMPORT_ENABLED)."),
    "im_no_token": ("L'import est activé mais aucun jeton n'est configuré (ESS_IMPORT_TOKEN) : il reste fermé.",
                    "Import is enabled but no token is configured (ESS_IMPORT_TOKEN): it stays closed."),
    "im_help": ("Format : CSV (séparateur ; ou ,) ou XLSX, une ligne par projet, noms de colonnes en français ou "
                "en anglais. Taille maximale : {mb} Mo. Rien n'est écrit avant votre confirmation ; les documents "
                "fournis avec l'application ne sont jamais perdus. Un fichier du même nom remplace le précédent.",
                "Format: CSV (; or , separated) or XLSX, one row per project, French or English column names. "
                "Maximum size: {mb} MB. Nothing is written before you confirm; the bundled documents are never "
                "lost. A file with the same name replaces the earlier one."),
    "im_template": ("Télécharger le modèle (CSV)", "Download the template (CSV)"),
    "im_upload": ("Fichier à importer", "File to import"),
    "im_rows": ("{n} lignes lues, {v} valides, {r} rejetées", "{n} rows read, {v} valid, {r} rejected"),
    "im_problems": ("Problèmes à corriger (lignes rejetées)", "Problems to fix (rejected rows)"),
    "im_preview": ("Aperçu des lignes valides", "Preview of the valid rows"),
    "im_columns": ("Colonnes reconnues : {c}", "Columns recognised: {c}"),
    "im_ignored": ("Colonnes ignorées : {c}", "Columns ignored: {c}"),
    "im_accept": ("Charger les {v} lignes valides et signaler les {r} lignes rejetées",
                  "Load the {v} valid rows and report the {r} rejected rows"),
    "im_confirm": ("Confirmer l'import", "Confirm the import"),
    "im_done": ("Import terminé : {n} projets dans l'entrepôt reconstruit en {s} s.",
                "Import done: {n} projects in the warehouse, rebuilt in {s} s."),
    "im_failed": ("L'import a échoué ; rien n'a changé : {e}", "The import failed; nothing changed: {e}"),
    "im_wait": ("Trop d'essais incorrects : réessayez dans {s} s.", "Too many wrong tries: try again in {s} s."),
    "im_internal": ("L'import n'a pas pu aboutir (erreur interne ou délai dépassé) ; rien n'a changé.",
                    "The import could not complete (internal error or time limit); nothing changed."),
    "im_building": ("Reconstruction de l'entrepôt… (si une autre construction est en cours, l'import attend sa fin)",
                    "Rebuilding the warehouse… (if another build is running, the import waits for it to finish)"),
    "im_existing": ("Fichiers déjà importés", "Files already imported"),
    "im_remove": ("Retirer", "Remove"),
    "im_col_row": ("Ligne", "Row"), "im_col_column": ("Colonne", "Column"), "im_col_value": ("Valeur", "Value"),
    "im_col_message": ("Problème", "Problem"),
})

_T.update({
    "others": ("Autres programmes", "Other programmes"),
    "fse_sampled": ("{shown} projets FSE représentés sur {n} (les incohérences signalées d'abord, {cap} au plus, puis "
                    "les plus gros budgets) ; les chiffres clés portent sur les {n}.",
                    "{shown} of {n} ESF projects drawn (flagged inconsistencies first, at most {cap}, then the largest "
                    "budgets); the key figures cover all {n}."),
    "fse_top": ("{k} projets représentés : d'abord les incohérences signalées, puis les plus gros budgets.",
                "{k} projects drawn: flagged inconsistencies first, then the largest budgets."),
    "grouped_note": ("Les {k} programmes les plus fournis sont détaillés ; les autres sont regroupés sous « Autres "
                     "programmes ».", "The {k} largest programmes are shown; the others are grouped as \"Other "
                     "programmes\"."),
})

_T.update({"bu_approx": ("Quartiles approchés : au-delà de 200 000 budgets, ils sont lus dans {bands} tranches logarithmiques "
                         "des budgets, à {err} près. Effectifs, minimum, maximum et total restent exacts.",
                         "Approximate quartiles: above 200,000 budgets they are read from {bands} log-scale bands of the "
                         "budgets, within {err}. Counts, minimum, maximum and total stay exact.")})
