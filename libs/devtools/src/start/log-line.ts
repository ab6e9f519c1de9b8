const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/**
 * Makes a pino JSON line readable in a terminal (`INFO  message  key=value`); other lines pass
 * through. Services still write JSON, so log shippers in production get the full record.
 */
export function formatLogLine(line: string): string {
  if (!line.startsWith('{')) return line;
  try {
    const record = JSON.parse(line) as Record<string, unknown>;
    const level = LEVELS[Number(record['level'])] ?? 'LOG';
    const parts = [level.padEnd(5), typeof record['msg'] === 'string' ? record['msg'] : ''];
    const req = record['req'] as { method?: string; url?: string } | undefined;
    const res = record['res'] as { statusCode?: number } | undefined;
    if (req?.method) parts.push(`${req.method} ${req.url ?? ''}`);
    if (res?.statusCode) parts.push(`→ ${res.statusCode}`);
    if (typeof record['responseTime'] === 'number') parts.push(`${record['responseTime']}ms`);
    const err = record['err'] as { message?: string } | undefined;
    if (err?.message) parts.push(`error: ${err.message}`);
    return parts.filter(Boolean).join('  ');
  } catch {
    return line;
  }
}
