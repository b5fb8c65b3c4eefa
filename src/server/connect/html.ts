/** Escapes text for HTML element content and quoted attribute values. */
export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A whole page: small, no scripts, no external assets. `body` must already be escaped HTML. */
export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · ml-connector</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}
label{display:block;margin:.8rem 0 .2rem;font-weight:600}input[type=text],input[type=password],input[type=url]{width:100%;padding:.4rem;box-sizing:border-box}
button{margin-top:1rem;padding:.5rem 1rem}.error{background:#fdecea;border-left:4px solid #c62828;padding:.6rem}.ok{background:#e8f5e9;border-left:4px solid #2e7d32;padding:.6rem}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3rem;text-align:left}</style>
</head><body><h1>${esc(title)}</h1>
${body}
</body></html>`;
}

export const csrfField = (csrf: string | null): string => (csrf ? `<input type="hidden" name="_csrf" value="${esc(csrf)}">` : '');
