import { Module } from '@nestjs/common';
import { AgentSessions } from './agent-sessions.service.js';
import { AgentSockets } from './agent-socket.js';
import { AgentController } from './agent.controller.js';

@Module({ controllers: [AgentController], providers: [AgentSessions, AgentSockets] })
export class AgentModule {}
