import { CreateApp1764064800000 } from './1764064800000-create-app.js';
import { CreateAgentSession1795600000000 } from './1795600000000-create-agent-session.js';
import { AgentSessionOwner1795700000000 } from './1795700000000-agent-session-owner.js';

/** Every committed migration, oldest first. Listed explicitly so bundles and ESM load them alike. */
export const migrations = [CreateApp1764064800000, CreateAgentSession1795600000000, AgentSessionOwner1795700000000];
