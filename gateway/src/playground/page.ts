/** Where the playground's page and assets are served; `/` shows the page too. */
export const PLAYGROUND_PATH = '/playground';
export const PLAYGROUND_SCRIPT_PATH = `${PLAYGROUND_PATH}/app.js`;
export const PLAYGROUND_STYLE_PATH = `${PLAYGROUND_PATH}/app.css`;

/**
 * Everything comes from the gateway itself: scripts, styles and connections to 'self' only
 * (WebSockets to the same host included), fonts and icons inlined as data: URIs by GraphiQL's
 * stylesheet. A browser refuses anything else, so a compromised dependency cannot phone home and
 * the page cannot be framed.
 */
export const PLAYGROUND_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "font-src 'self' data:",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The HTML shell: GraphiQL mounts into #playground from the bundled script. */
export const PLAYGROUND_HTML = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Commerce supergraph · playground</title>
    <link rel="stylesheet" href="${PLAYGROUND_STYLE_PATH}" />
    <script defer src="${PLAYGROUND_SCRIPT_PATH}"></script>
  </head>
  <body>
    <div id="playground">Loading the playground…</div>
  </body>
</html>
`;
