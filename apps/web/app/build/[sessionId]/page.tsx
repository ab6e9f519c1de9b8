import type { Metadata } from 'next';
import { Builder } from './builder';

export const metadata: Metadata = { title: 'Building — Kiln' };

export default async function BuildPage({ params }: { params: Promise<{ sessionId: string }> }) {
  const { sessionId } = await params;
  return <Builder sessionId={sessionId} />;
}
