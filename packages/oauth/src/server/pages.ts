import {escapeHtml} from '@systemprompt/core';

// The authorization server's few HTML pages: sign-in, consent, and errors. Every value is escaped.

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${escapeHtml(title)} - SystemPrompt OS</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#222}
label{display:block;margin:.8rem 0 .2rem}input{width:100%;padding:.45rem;box-sizing:border-box}
button{margin:1rem .5rem 0 0;padding:.5rem 1.2rem}.error{color:#a00}.muted{color:#777}li{margin:.2rem 0}</style>
</head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

export function loginPage(input: {uid: string; client: string; email?: string; error?: string}): string {
  const action = `/oauth/interaction/${encodeURIComponent(input.uid)}/login`;
  return page(
    'Sign in',
    `<p><strong>${escapeHtml(input.client)}</strong> asks to act for you on this SystemPrompt OS installation.</p>
${input.error ? `<p class="error" role="alert">${escapeHtml(input.error)}</p>` : ''}
<form method="post" action="${action}" autocomplete="on">
<label for="email">Email</label><input id="email" name="email" type="email" required value="${escapeHtml(input.email ?? '')}">
<label for="password">Password</label><input id="password" name="password" type="password" required>
<label for="code">Code from your authenticator app (if two-factor sign-in is on)</label><input id="code" name="code" inputmode="numeric" autocomplete="one-time-code">
<button type="submit">Sign in</button></form>
<form method="post" action="/oauth/interaction/${encodeURIComponent(input.uid)}/abort"><button type="submit">Cancel</button></form>`,
  );
}

export function consentPage(input: {
  uid: string;
  client: string;
  clientId: string;
  user: string;
  granted: readonly string[];
  refused: readonly string[];
  offline: boolean;
}): string {
  const base = `/oauth/interaction/${encodeURIComponent(input.uid)}`;
  const list = (items: readonly string[]) =>
    `<ul>${items.map((item) => `<li><code>${escapeHtml(item)}</code></li>`).join('')}</ul>`;
  return page(
    'Allow access',
    `<p>Signed in as <strong>${escapeHtml(input.user)}</strong>.</p>
<p><strong>${escapeHtml(input.client)}</strong> <span class="muted">(${escapeHtml(input.clientId)})</span> asks for:</p>
${input.granted.length > 0 ? list(input.granted) : '<p>No permission you hold: it could act only as a signed-in user with no permission.</p>'}
${input.refused.length > 0 ? `<p class="muted">Not given, since you do not hold them:</p>${list(input.refused)}` : ''}
${input.offline ? '<p class="muted">It stays allowed until you revoke it (auth:grants:revoke) or it goes unused for the grant\'s lifetime.</p>' : ''}
<form method="post" action="${base}/consent"><button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button></form>`,
  );
}

export function errorPage(title: string, message: string): string {
  return page(title, `<p class="error">${escapeHtml(message)}</p>`);
}
