import { NewAppForm } from './new-app-form';
import { Readiness } from './readiness';

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
            Describe an app. Kiln builds it, previews it and publishes it — on your own machines.
          </p>
        </div>
      </header>
      <NewAppForm />
      <Readiness />
    </main>
  );
}
