import { Module } from '@nestjs/common';
import { DashboardController } from './dashboard.controller';

/** The web dashboard for analysts (docs/dashboard.md). */
@Module({ controllers: [DashboardController] })
export class DashboardModule {}
