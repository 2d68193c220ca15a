"""Client of the central store's report routes (audit report, exports, readiness), on sync's transport."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import quote, urlencode

from auditapp.client.central_api import CentralApi, CentralApiError
from auditapp.domain.readiness import Readiness
from auditapp.reports.readiness_json import readiness_from_dict

FORMATS = ("pdf", "csv", "xlsx", "json")
TABLES = ("findings", "capas")


class ReportsApi(CentralApi):
    """The central store's reports for a signed-in user (sign in with `login` first)."""

    def audit_report(
        self, audit_id: str, fmt: str = "pdf", table: str = "findings", photos: bool = False
    ) -> bytes:
        """An audit's report or export as the bytes of the file (PDF, CSV, XLSX or JSON)."""
        if fmt not in FORMATS:
            raise CentralApiError(f"format: {fmt!r} is not one of {', '.join(FORMATS)}", "invalid_request")
        if table not in TABLES:
            raise CentralApiError(f"table: {table!r} is not one of {', '.join(TABLES)}", "invalid_request")
        query = urlencode({"format": fmt, "table": table, "photos": str(photos).lower()})
        return self._send("GET", f"/api/audits/{quote(audit_id, safe='')}/report?{query}").body

    def readiness(
        self, site: str, as_of: dt.date | None = None, organisation: str | None = None
    ) -> Readiness:
        """A site's readiness as the store assesses it from every audit and CAPA it holds of the site of the
        organisation (which may be left out while only one organisation has a site of that name)."""
        body = self._send("GET", self._readiness_path(site, as_of, "json", organisation)).body
        try:
            return readiness_from_dict(json.loads(body))
        except ValueError as exc:
            raise CentralApiError(f"the central store sent readiness that cannot be read: {exc}") from exc

    def readiness_pdf(
        self, site: str, as_of: dt.date | None = None, organisation: str | None = None
    ) -> bytes:
        """A site's readiness as a PDF built by the store."""
        return self._send("GET", self._readiness_path(site, as_of, "pdf", organisation)).body

    @staticmethod
    def _readiness_path(site: str, as_of: dt.date | None, fmt: str, organisation: str | None) -> str:
        params = {"site": site, "format": fmt}
        if organisation is not None:
            params["organisation"] = organisation
        if as_of is not None:
            params["as_of"] = as_of.isoformat()
        return f"/api/readiness?{urlencode(params)}"
