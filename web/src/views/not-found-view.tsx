import { useLocation } from 'preact-iso/router';
import { Card } from '../components/states.js';

export function NotFoundView() {
  const { path } = useLocation();
  return (
    <Card title="Page not found">
      <p>
        Nothing here at <code>{path}</code>. Try <a href="/processes">processes</a> or <a href="/traces">trace search</a>.
      </p>
    </Card>
  );
}
