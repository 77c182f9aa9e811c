"""Canada's federal institutions: their official English and French names, by code or acronym.

The CKAN tables name departments by code (``statcan``, ``tbs-sct``); the 4th plan's labels by
English acronym ("(NRCan/StatCan/TBS)"). Bodies the built-in lists lack come from the file a
person gives with ``--institutions``, never from a guess.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from tracker.errors import InputError
from tracker.importers.common import clean_text, load_yaml

# English first: the tables, the codes and the federal government's usage all lead with it.
LANGUAGES = ("en", "fr")

Names = tuple[str, str]

# Official applied titles (Federal Identity Program) of the departments the corpus names.
INSTITUTIONS: dict[str, tuple[str, str]] = {
    "dfatd-maecd": ("Global Affairs Canada", "Affaires mondiales Canada"),
    "ec": (
        "Environment and Climate Change Canada",
        "Environnement et Changement climatique Canada",
    ),
    "esdc-edsc": (
        "Employment and Social Development Canada",
        "Emploi et Développement social Canada",
    ),
    "hc-sc": ("Health Canada", "Santé Canada"),
    "ic": (
        "Innovation, Science and Economic Development Canada",
        "Innovation, Sciences et Développement économique Canada",
    ),
    "idrc-crdi": (
        "International Development Research Centre",
        "Centre de recherches pour le développement international",
    ),
    "isc-sac": ("Indigenous Services Canada", "Services aux Autochtones Canada"),
    "jus": ("Department of Justice Canada", "Ministère de la Justice Canada"),
    "lac-bac": ("Library and Archives Canada", "Bibliothèque et Archives Canada"),
    "nrcan-rncan": ("Natural Resources Canada", "Ressources naturelles Canada"),
    "pch": ("Canadian Heritage", "Patrimoine canadien"),
    "pco-bcp": ("Privy Council Office", "Bureau du Conseil privé"),
    "ps-sp": ("Public Safety Canada", "Sécurité publique Canada"),
    "pwgsc-tpsgc": (
        "Public Services and Procurement Canada",
        "Services publics et Approvisionnement Canada",
    ),
    "rcmp-grc": ("Royal Canadian Mounted Police", "Gendarmerie royale du Canada"),
    "statcan": ("Statistics Canada", "Statistique Canada"),
    "tbs-sct": (
        "Treasury Board of Canada Secretariat",
        "Secrétariat du Conseil du Trésor du Canada",
    ),
    "vac-acc": ("Veterans Affairs Canada", "Anciens Combattants Canada"),
    "wage": ("Women and Gender Equality Canada", "Femmes et Égalité des genres Canada"),
    # Named by the 4th plan (2018-2020) through the acronyms of its labels.
    "cirnac-rcaanc": (
        "Crown-Indigenous Relations and Northern Affairs Canada",
        "Relations Couronne-Autochtones et Affaires du Nord Canada",
    ),
    "csps-efpc": ("Canada School of Public Service", "École de la fonction publique du Canada"),
    "fin": ("Department of Finance Canada", "Ministère des Finances Canada"),
    "nrc-cnrc": ("National Research Council Canada", "Conseil national de recherches Canada"),
    "swc-cfc": ("Status of Women Canada", "Condition féminine Canada"),
}

# The English acronyms the 4th plan's labels end with, to their codes above. Case is ignored.
ACRONYMS: dict[str, str] = {
    "CIRNA": "cirnac-rcaanc",
    "CIRNAC": "cirnac-rcaanc",
    "CSPS": "csps-efpc",
    "DOJ": "jus",
    "ECCC": "ec",
    "ESDC": "esdc-edsc",
    "FIN": "fin",
    "GAC": "dfatd-maecd",
    "HC": "hc-sc",
    "IDRC": "idrc-crdi",
    "ISC": "isc-sac",
    "ISED": "ic",
    "LAC": "lac-bac",
    "NRC": "nrc-cnrc",
    "NRCAN": "nrcan-rncan",
    "PCH": "pch",
    "PCO": "pco-bcp",
    "PS": "ps-sp",
    "PSPC": "pwgsc-tpsgc",
    "RCMP": "rcmp-grc",
    "STATCAN": "statcan",
    "SWC": "swc-cfc",
    "TBS": "tbs-sct",
    "VAC": "vac-acc",
    "WAGE": "wage",
}


class Institutions:
    """Institution names by code or acronym: the built-in lists, then the person's own file."""

    def __init__(self, extra: Mapping[str, Names] | None = None, extra_path: Path | None = None):
        self.extra = {key.casefold(): names for key, names in (extra or {}).items()}
        self.extra_path = extra_path
        self._codes = {key.casefold(): names for key, names in INSTITUTIONS.items()}
        self._acronyms = {key.casefold(): code for key, code in ACRONYMS.items()}

    def get(self, key: str) -> Names | None:
        """The English and French names of ``key`` (a code, an acronym), or None."""
        folded = key.strip().casefold()
        if folded in self.extra:
            return self.extra[folded]
        if folded in self._codes:
            return self._codes[folded]
        code = self._acronyms.get(folded)
        return INSTITUTIONS[code] if code else None

    def unknown(self, where: str, key: str, what: str) -> InputError:
        """The error for ``key``, which no list names: say how to name it without editing code."""
        file = f" (add it to {self.extra_path})" if self.extra_path else ""
        return InputError(
            f"{where}: unknown department {key!r} in {what}: give its English and French names "
            f"in a YAML file passed with --institutions{file}, a line such as "
            f"'{key}: {{en: <English name>, fr: <French name>}}'"
        )


def load_institutions(path: Path) -> Institutions:
    """The ``--institutions`` file: ``CODE: {en: ..., fr: ...}`` lines; InputError if malformed."""
    document = load_yaml(path)
    data = document.data
    if not isinstance(data, Mapping) or not data:
        raise InputError(
            f"{path}, line 1: expected one line per institution, such as "
            "'OCSA: {en: Office of the Chief Science Advisor, fr: Bureau du conseiller "
            "scientifique en chef}'"
        )
    extra: dict[str, Names] = {}
    for key, value in data.items():
        line = document.where((key,), key=True).line
        if not (
            isinstance(value, Mapping)
            and all(isinstance(value.get(lang), str) and value[lang].strip() for lang in LANGUAGES)
        ):
            raise InputError(
                f"{path}, line {line}: {key} needs its English and French names: "
                f"'{key}: {{en: <English name>, fr: <French name>}}'"
            )
        extra[str(key)] = (clean_text(value["en"]), clean_text(value["fr"]))
    return Institutions(extra, path)
