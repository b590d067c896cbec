"""The HTML of the interactive docs pages: Swagger UI, ReDoc and Swagger UI's OAuth2 redirect.

The functions take FastAPI's names and keywords (``fastapi.openapi.docs``), so a custom
``/docs`` route ported from FastAPI keeps working; the defaults of the asset URLs are the
pinned CDN copies (``squall.openapi.assets``).  An App's own docs routes
(``squall.openapi.docs_routes``) pass the URLs of the copies it serves itself instead.

What goes into a page's ``<script>`` goes in as JSON with ``<``, ``>`` and ``&`` escaped, so a
value such as ``"</script><script>..."`` stays a string; what goes into HTML is HTML-escaped.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from typing import Any, Final

from squall.openapi.assets import CDN
from squall.responses import HTMLResponse

__all__ = [
    "SWAGGER_UI_DEFAULT_PARAMETERS",
    "get_redoc_html",
    "get_swagger_ui_html",
    "get_swagger_ui_oauth2_redirect_html",
    "script_json",
]

# Swagger UI's configuration unless swagger_ui_parameters says otherwise (the same choices
# as FastAPI's: deep links to operations, x- extensions and pattern/length limits shown).
SWAGGER_UI_DEFAULT_PARAMETERS: Final[Mapping[str, Any]] = {
    "dom_id": "#swagger-ui",
    "layout": "BaseLayout",
    "deepLinking": True,
    "showExtensions": True,
    "showCommonExtensions": True,
}

# Characters that could end a <script> element or open a comment in it, and the two line
# separators older JavaScript engines refused in string literals: escaped as JSON allows.
_SCRIPT_ESCAPES: Final = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


def script_json(value: Any) -> str:
    """``value`` as a JavaScript expression that is safe inside an HTML ``<script>``."""
    return json.dumps(value, ensure_ascii=False).translate(_SCRIPT_ESCAPES)


def _attribute(value: str) -> str:
    return html.escape(value, quote=True)


def get_swagger_ui_html(
    *,
    openapi_url: str,
    title: str,
    swagger_js_url: str = CDN.swagger_js,
    swagger_css_url: str = CDN.swagger_css,
    swagger_favicon_url: str = CDN.swagger_favicon,
    oauth2_redirect_url: str | None = None,
    init_oauth: Mapping[str, Any] | None = None,
    swagger_ui_parameters: Mapping[str, Any] | None = None,
) -> HTMLResponse:
    """Swagger UI reading the document at ``openapi_url``.

    ``swagger_ui_parameters`` are Swagger UI's configuration keys (``docExpansion``,
    ``syntaxHighlight``...), merged over SWAGGER_UI_DEFAULT_PARAMETERS; ``init_oauth`` goes
    to ``ui.initOAuth`` (clientId, scopes, usePkceWithAuthorizationCodeGrant...);
    ``oauth2_redirect_url`` is the page Swagger UI's OAuth2 login returns to.
    """
    config = {**SWAGGER_UI_DEFAULT_PARAMETERS, **(swagger_ui_parameters or {})}
    config["url"] = openapi_url
    if oauth2_redirect_url is not None:
        config["oauth2RedirectUrl"] = oauth2_redirect_url
    page = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<link rel="icon" href="{_attribute(swagger_favicon_url)}">
<link rel="stylesheet" href="{_attribute(swagger_css_url)}">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{_attribute(swagger_js_url)}"></script>
<script>
(function () {{
  var config = {script_json(config)};
  var oauth = {script_json(dict(init_oauth) if init_oauth is not None else None)};
  config.presets = [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset];
  if (config.oauth2RedirectUrl) {{
    config.oauth2RedirectUrl = new URL(config.oauth2RedirectUrl, window.location.href).href;
  }}
  window.ui = SwaggerUIBundle(config);
  if (oauth) {{
    window.ui.initOAuth(oauth);
  }}
}})();
</script>
</body>
</html>
"""
    return HTMLResponse(page)


def get_redoc_html(
    *,
    openapi_url: str,
    title: str,
    redoc_js_url: str = CDN.redoc_js,
    redoc_favicon_url: str = CDN.swagger_favicon,
    with_google_fonts: bool = False,
) -> HTMLResponse:
    """ReDoc reading the document at ``openapi_url``.

    ``with_google_fonts`` is False by default (FastAPI's is True): the fonts come from
    Google's servers, which an air-gapped machine cannot reach; ReDoc falls back to the
    browser's own sans-serif fonts.
    """
    fonts = (
        '<link rel="stylesheet" '
        'href="https://fonts.googleapis.com/css?family=Montserrat:300,400,700|Roboto:300,400,700">\n'
        if with_google_fonts
        else ""
    )
    page = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<link rel="icon" href="{_attribute(redoc_favicon_url)}">
{fonts}<style>body {{ margin: 0; padding: 0; }}</style>
</head>
<body>
<redoc spec-url="{_attribute(openapi_url)}"></redoc>
<script src="{_attribute(redoc_js_url)}"></script>
</body>
</html>
"""
    return HTMLResponse(page)


# Swagger UI opens the OAuth2 authorization page in a popup and leaves, on its own window,
# ``swaggerUIRedirectOauth2``: {auth, state, redirectUrl, callback, errCb}.  The provider
# sends the popup back here with the result in the query (authorization code flow) or in the
# fragment (implicit flow); this page hands it to the opener and closes.
_REDIRECT_SCRIPT: Final = """
(function () {
  var handoff = window.opener && window.opener.swaggerUIRedirectOauth2;
  if (!handoff) {
    document.body.textContent = "This page completes a Swagger UI login; open it from /docs.";
    return;
  }
  var fragment = window.location.hash.substring(1);
  var raw = /(^|&)(code|token|access_token|error)=/.test(fragment)
    ? fragment
    : window.location.search.substring(1);
  var answer = Object.fromEntries(new URLSearchParams(raw));
  var stateMatches = answer.state === handoff.state;
  var auth = handoff.auth;
  var flow = auth.schema.get("flow");
  var codeFlows = ["accessCode", "authorizationCode", "authorization_code"];
  function report(message) {
    handoff.errCb({authId: auth.name, source: "auth", level: "error", message: message});
  }
  if (codeFlows.indexOf(flow) >= 0 && !auth.code) {
    if (!stateMatches) {
      handoff.errCb({
        authId: auth.name, source: "auth", level: "warning",
        message: "The state returned by the authorization server does not match the one sent"
      });
    }
    if (answer.code) {
      delete handoff.state;
      auth.code = answer.code;
      handoff.callback({auth: auth, redirectUrl: handoff.redirectUrl});
    } else if (answer.error) {
      report("[" + answer.error + "] " + (answer.error_description || "no description") +
             (answer.error_uri ? " (" + answer.error_uri + ")" : ""));
    } else {
      report("The authorization server answered without a code.");
    }
  } else {
    handoff.callback({
      auth: auth, token: answer, isValid: stateMatches, redirectUrl: handoff.redirectUrl
    });
  }
  window.close();
})();
"""


def get_swagger_ui_oauth2_redirect_html() -> HTMLResponse:
    """The page Swagger UI's OAuth2 popup is sent back to (``swagger_ui_oauth2_redirect_url``)."""
    page = f"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Swagger UI: OAuth2 redirect</title></head>
<body>
<script>{_REDIRECT_SCRIPT}</script>
</body>
</html>
"""
    return HTMLResponse(page)
