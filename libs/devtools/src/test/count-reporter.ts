import type { TestEvent } from 'node:test/reporters';

/**
 * A node:test reporter that writes one JSON line of totals. Only leaf tests count (suites are
 * containers); a failing hook or a file that cannot load surfaces as a failed test.
 */
export default async function* countReporter(source: AsyncIterable<TestEvent>): AsyncGenerator<string> {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const data = event.data as { details?: { type?: string }; skip?: unknown; todo?: unknown };
    if (data.details?.type === 'suite') {
      // A suite fails by itself only when its hooks or its body threw.
      if (
        event.type === 'test:fail' &&
        (event.data.details as { error?: { failureType?: string } }).error?.failureType !== 'subtestsFailed'
      )
        failed++;
      continue;
    }
    if (data.skip !== undefined || data.todo !== undefined) skipped++;
    else if (event.type === 'test:pass') passed++;
    else failed++;
  }
  yield `${JSON.stringify({ passed, failed, skipped })}\n`;
}
