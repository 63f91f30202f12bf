/** Server-rendered pages: no script, inline styles only, every value escaped. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/** Tagged template: interpolations are escaped unless wrapped by raw(). */
export interface Raw {
  readonly __html: string;
}
export const raw = (html: string): Raw => ({ __html: html });

export function html(strings: TemplateStringsArray, ...values: unknown[]): Raw {
  let out = strings[0]!;
  values.forEach((value, i) => {
    const part = Array.isArray(value)
      ? value.map((v) => (isRaw(v) ? v.__html : escapeHtml(v))).join('')
      : isRaw(value)
        ? value.__html
        : escapeHtml(value);
    out += part + strings[i + 1]!;
  });
  return raw(out);
}

function isRaw(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && '__html' in value;
}

export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  // No referrer leaves the site (a verification URL holds its token), and the site's own forms
  // still carry their Origin, by which the regulator sign-in tells them from a forged one.
  'referrer-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
};

const BASE_CSS = `
*{box-sizing:border-box}body{margin:0;font-family:system-ui,-apple-system,"PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif;color:#1a1a1a;background:#f4f5f7;line-height:1.45}
main{max-width:760px;margin:0 auto;padding:12px}
h1{font-size:1.15rem;margin:8px 0 12px}h2{font-size:1rem;margin:18px 0 8px}
.card{background:#fff;border-radius:10px;padding:14px;margin:10px 0;box-shadow:0 1px 3px rgba(0,0,0,.12)}
dl{display:grid;grid-template-columns:minmax(7.5em,34%) 1fr;gap:6px 10px;margin:0}dt{color:#555}dd{margin:0;word-break:break-word}
.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.82rem;word-break:break-all}
.muted{color:#666;font-size:.85rem}
`;

export function page(title: string, body: Raw, extraCss = ''): string {
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>${BASE_CSS}${extraCss}</style>
</head>
<body>
${body.__html}
</body>
</html>
`;
}
