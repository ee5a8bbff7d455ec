import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso/router';
import { ApiError, whoAmI } from '../api/client.js';
import { currentSession, signIn, signOutReason } from '../api/session.js';

/** Where to go after signing in: only a path of this app, never another origin. */
function safeNext(next: string | undefined): string {
  if (next === undefined || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/login')) return '/processes';
  return next;
}

export function LoginView() {
  const loc = useLocation();
  const [token, setToken] = useState('');
  const [remember, setRemember] = useState(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(signOutReason());
  const session = currentSession();

  const submit = async (): Promise<void> => {
    const t = token.trim();
    if (t === '') return setProblem('Paste the admin token or a viewer token.');
    setBusy(true);
    setProblem(null);
    try {
      const who = await whoAmI(t);
      signIn({ token: t, who }, remember);
      loc.route(safeNext(loc.query['next']), true);
    } catch (err) {
      setProblem(err instanceof ApiError && err.status === 401 ? `Token refused: ${err.message}.` : `Sign-in failed: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="login-page">
      <form
        class="login card"
        aria-label="sign in"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <h1>
          <span class="brand-mark" aria-hidden="true" /> e2e-o11y console
        </h1>
        <p class="muted">Follow business processes across accounts. Sign in with the hub's admin token (printed at start, or in &lt;dataDir&gt;/admin.token) or a viewer token.</p>
        {session === null ? null : (
          <p class="notice" data-signed-in-as={session.who.role}>
            Signed in as {session.who.role}
            {session.who.name ? ` (${session.who.name})` : ''}. A new token replaces it.
          </p>
        )}
        <label for="token">Token</label>
        <input id="token" name="token" type="password" autocomplete="off" spellcheck={false} value={token} onInput={(e) => setToken(e.currentTarget.value)} autofocus />
        <label class="check">
          <input type="checkbox" checked={remember} onChange={(e) => setRemember(e.currentTarget.checked)} /> Remember on this device
        </label>
        {problem === null ? null : (
          <div class="state state-error" role="alert" data-login-error="">
            {problem}
          </div>
        )}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </div>
  );
}
