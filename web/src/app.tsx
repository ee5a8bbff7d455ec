import { useEffect, useState } from 'preact/hooks';
import { LocationProvider, Route, Router, useLocation } from 'preact-iso/router';
import { whoAmI } from './api/client.js';
import { currentSession, isRemembered, signIn, signOut, storedToken, subscribe } from './api/session.js';
import { GlobalSearch } from './components/global-search.js';
import { Loading } from './components/states.js';
import { AccountView } from './views/account-view.js';
import { AccountsView } from './views/accounts-view.js';
import { AlertsView } from './views/alerts-view.js';
import { InstanceView } from './views/instance-view.js';
import { LoginView } from './views/login-view.js';
import { LogsView } from './views/logs-view.js';
import { MetricsView } from './views/metrics-view.js';
import { NotFoundView } from './views/not-found-view.js';
import { ProcessView } from './views/process-view.js';
import { ProcessesView } from './views/processes-view.js';
import { TraceSearchView } from './views/trace-search-view.js';
import { TraceView } from './views/trace-view.js';

const NAV = [
  { href: '/processes', label: 'Processes' },
  { href: '/traces', label: 'Traces' },
  { href: '/accounts', label: 'Accounts' },
  { href: '/logs', label: 'Logs' },
  { href: '/metrics', label: 'Metrics' },
  { href: '/alerts', label: 'Alerts' },
];

export function App() {
  return (
    <LocationProvider>
      <Shell />
    </LocationProvider>
  );
}

/** Restores a stored token once per page load (checked against /api/whoami), then renders. */
function useBootedSession(): { booting: boolean; signedIn: boolean } {
  const [booting, setBooting] = useState(() => currentSession() === null && storedToken() !== null);
  const [, setVersion] = useState(0);
  useEffect(() => subscribe(() => setVersion((v) => v + 1)), []);
  useEffect(() => {
    if (!booting) return;
    const token = storedToken();
    if (token === null) return setBooting(false);
    const remembered = isRemembered();
    whoAmI(token).then(
      (who) => {
        signIn({ token, who }, remembered);
        setBooting(false);
      },
      (err: unknown) => {
        signOut(err instanceof Error ? err.message : String(err));
        setBooting(false);
      },
    );
  }, [booting]);
  return { booting, signedIn: currentSession() !== null };
}

function Shell() {
  const { booting, signedIn } = useBootedSession();
  const loc = useLocation();
  const onLogin = loc.path === '/login';

  // Without a session every URL shows the login page and comes back to the URL afterwards.
  useEffect(() => {
    if (booting) return;
    if (!signedIn && !onLogin) loc.route(`/login?next=${encodeURIComponent(loc.url)}`, true);
    else if (loc.path === '/') loc.route('/processes', true);
  }, [booting, signedIn, onLogin, loc]);

  if (booting) return <Loading what="session" />;
  if (!signedIn || onLogin) return <LoginView />;
  const who = currentSession()?.who;

  return (
    <div class="shell">
      <header class="topbar">
        <a class="brand" href="/processes">
          <span class="brand-mark" aria-hidden="true" />
          e2e-o11y
        </a>
        <nav aria-label="main">
          {NAV.map((n) => (
            <a key={n.href} href={n.href} class={loc.path === n.href || loc.path.startsWith(`${n.href}/`) ? 'active' : ''} aria-current={loc.path.startsWith(n.href) ? 'page' : undefined}>
              {n.label}
            </a>
          ))}
        </nav>
        <GlobalSearch />
        <span class="who" data-role={who?.role}>
          {who?.role === 'admin' ? 'admin' : `viewer${who?.name ? `: ${who.name}` : ''}`}
          {who?.role === 'viewer' && who.accounts !== null ? <span class="muted"> ({who.accounts.join(', ')})</span> : null}
        </span>
        <button type="button" class="ghost small" onClick={() => signOut(null)}>
          Sign out
        </button>
      </header>
      <main class="content">
        <Router>
          <Route path="/processes" component={ProcessesView} />
          <Route path="/processes/:name" component={ProcessView} />
          <Route path="/processes/:name/instances/:key" component={InstanceView} />
          <Route path="/traces" component={TraceSearchView} />
          <Route path="/traces/:traceId" component={TraceView} />
          <Route path="/accounts" component={AccountsView} />
          <Route path="/accounts/:id" component={AccountView} />
          <Route path="/logs" component={LogsView} />
          <Route path="/metrics" component={MetricsView} />
          <Route path="/alerts" component={AlertsView} />
          <Route default component={NotFoundView} />
        </Router>
      </main>
    </div>
  );
}
