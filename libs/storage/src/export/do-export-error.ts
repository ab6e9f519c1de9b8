/** State the export cannot carry to Cloudflare faithfully (a value type, a virtual table); nothing is half-written. */
export class DoExportError extends Error {
  readonly code = 'DO_EXPORT_UNSUPPORTED';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DoExportError';
  }
}
