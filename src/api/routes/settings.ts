/** Wiegand representation mode and reader formats (POST /access/general/wiegand/type). */
import { z } from 'zod';
import type { Services } from '../../service/services.ts';
import { FORMAT_NAMES, REPRESENTATION_MODES } from '../../service/settings.ts';
import type { RouteRegistry } from '../route-registry.ts';

const Mode = z.enum(REPRESENTATION_MODES).meta({
  id: 'RepresentationMode',
  description: 'How card numbers are written on the API. Changing it never rewrites stored numbers.',
});
const Readers = z.array(
  z.object({
    id: z.string().min(1).max(64),
    formats: z.array(z.string().min(1).max(64)).min(1).max(32).meta({ description: `Format names: ${FORMAT_NAMES.join(', ')}` }),
  }),
);
const SettingsSchema = z.object({ representation: Mode, readers: Readers }).meta({ id: 'WiegandSettings' });
const ChangeSchema = z.object({ representation: Mode.optional(), readers: Readers.optional() }).meta({ id: 'WiegandSettingsChange' });

export function registerSettingsRoutes(registry: RouteRegistry, services: Services): void {
  registry.add({
    method: 'get',
    path: '/api/v1/access/general/wiegand/type',
    summary: 'Wiegand settings: representation mode and reader formats',
    tags: ['Settings'],
    access: 'operator',
    responses: { 200: { description: 'Current settings', schema: SettingsSchema } },
    handler: () => ({ body: services.settings.get() }),
  });

  registry.add({
    method: 'post',
    path: '/api/v1/access/general/wiegand/type',
    summary: 'Change the representation mode (hex/decimal) and/or reader formats',
    description: 'An unknown reader id or format name is a 400 naming the field; nothing is stored then.',
    tags: ['Settings'],
    access: 'admin',
    body: ChangeSchema,
    responses: { 200: { description: 'The settings now in force', schema: SettingsSchema } },
    handler: ({ body }) => ({ body: services.settings.update(body) }),
  });
}
