import { Module } from '@nestjs/common';
import { AgentSessions } from './agent-sessions.service.js';
import { AgentController } from './agent.controller.js';

@Module({ controllers: [AgentController], providers: [AgentSessions] })
export class AgentModule {}
