import type { FileView } from '../../../lib/session-view';

/** The app's files in the order they were first written; picking one shows it in the code view. */
export function FilesPanel({
  files,
  shown,
  onSelect,
}: {
  files: FileView[];
  shown: string | undefined;
  onSelect: (path: string) => void;
}) {
  return (
    <section className="card panel" aria-labelledby="files-title">
      <div className="card-head">
        <h2 id="files-title">Files</h2>
        <span className="muted small-inline">{files.length}</span>
      </div>
      {files.length === 0 && <p className="muted">No files yet.</p>}
      <ul className="files" data-testid="file-list">
        {files.map((file) => (
          <li key={file.path}>
            <button
              type="button"
              className={`file${file.path === shown ? ' current' : ''}`}
              aria-current={file.path === shown ? 'true' : undefined}
              onClick={() => onSelect(file.path)}
            >
              <span className="file-path">{file.path}</span>
              {file.state === 'generating' ? (
                <span className="tag implementing">writing</span>
              ) : file.state === 'unfinished' ? (
                <span className="tag fail">unfinished</span>
              ) : file.versions > 1 ? (
                <span className="tag generated" title={`written ${file.versions} times`}>
                  v{file.versions}
                </span>
              ) : null}
              {file.purpose && <span className="file-purpose muted">{file.purpose}</span>}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
