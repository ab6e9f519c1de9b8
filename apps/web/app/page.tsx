import { NewAppForm } from './new-app-form';
import { Readiness } from './readiness';
import { RecentBuilds } from './recent-builds';

/** Rendered per request: the recent builds change with every session. */
export const dynamic = 'force-dynamic';

export default function Home() {
  return (
    <main className="shell">
      <header className="brand">
        <span className="logo" aria-hidden>
          ▲
        </span>
        <div>
          <h1>Kiln</h1>
          <p className="tagline">
            Describe an app. Kiln builds it and previews it live — on your own machines.
          </p>
        </div>
      </header>
      <NewAppForm />
      <RecentBuilds />
      <Readiness />
    </main>
  );
}
