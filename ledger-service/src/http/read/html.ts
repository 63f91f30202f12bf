import { chinaMinuteOf } from '@certledger/projections';
import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import { toProblem } from '../errors';
import type { ProblemError } from '../problem';

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
.scroll{overflow-x:auto;max-width:100%}
.alert{background:#fde7ea;color:#b00020;border-radius:8px;padding:10px 12px;margin:10px 0;font-weight:600}
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

/** An ISO instant as China's wall-clock time, minutes precision. */
export function chinaTime(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return `${chinaMinuteOf(ms)} (UTC+8)`;
}

/** English beside Chinese on a zh-CN page, marked so for screen readers and hyphenation. */
export const en = (text: string): Raw => html`<span lang="en">${text}</span>`;

/** Chinese then English, the English marked as such. */
export const bi = (zh: string, english: string): Raw => html`${zh} ${en(english)}`;

export interface PageError {
  readonly zh: string;
  readonly en: string;
}

/** A bilingual error line for the top of a page. */
export const alertBox = (error: PageError): Raw =>
  html`<div class="alert" role="alert" data-error>${error.zh} ${en(error.en)}</div>`;

const STATUS_WORDS: Readonly<Record<number, PageError>> = {
  400: { zh: '请求有误', en: 'Bad request' },
  401: { zh: '请先登录', en: 'Sign-in required' },
  403: { zh: '无权访问', en: 'Forbidden' },
  404: { zh: '页面不存在', en: 'Page not found' },
  413: { zh: '提交的内容过大', en: 'Payload too large' },
  500: { zh: '服务器内部错误', en: 'Internal error' },
  503: { zh: '服务暂不可用，请稍后再试', en: 'Service unavailable; try again later' },
};

export const wordsForStatus = (status: number): PageError =>
  STATUS_WORDS[status] ?? (status >= 500 ? STATUS_WORDS[500]! : STATUS_WORDS[400]!);

/** The page a browser gets instead of a problem+json body. */
export function errorPage(status: number, detail?: PageError, homeHref?: string, code?: string): string {
  const words = wordsForStatus(status);
  return page(
    `${words.zh} ${words.en}`,
    html`<main data-code="${code ?? ''}">
      <h1>${status} · ${words.zh} ${en(words.en)}</h1>
      ${detail ? alertBox(detail) : ''} ${homeHref ? html`<p><a href="${homeHref}">返回 ${en('Back')}</a></p>` : ''}
    </main>`,
  );
}

const PROBLEM_WORDS: Readonly<Record<string, string>> = {
  'cross-site-form': '此表单只能从本站提交',
  forbidden: '无权访问',
  'not-found': '未找到',
};

/** A problem in both languages: the Chinese by its code (or status), the English its own title. */
export const problemWords = (problem: ProblemError): PageError => ({
  zh: PROBLEM_WORDS[problem.code] ?? wordsForStatus(problem.status).zh,
  en: problem.title || wordsForStatus(problem.status).en,
});

/** Errors of the browser pages as HTML pages with the problem's status (the API keeps problem+json). */
export function pageErrorHandler(homeHref: string | undefined, logger?: Logger): ErrorRequestHandler {
  return (error, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const problem = toProblem(error);
    if (problem.status >= 500) logger?.error({ err: error, path: req.path }, 'page failed');
    const detail = problem.status >= 500 ? undefined : problemWords(problem);
    res
      .status(problem.status)
      .set(PAGE_HEADERS)
      .send(errorPage(problem.status, detail, homeHref, problem.code));
  };
}
