import { z } from 'zod';
import { operations } from '../../shared/api';
import { APP_NAME, APP_VERSION } from '../../shared/version';

/** OpenAPI 3.1 document generated from the shared operation table. */
export function buildOpenApi(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [name, spec] of Object.entries(operations)) {
    const path = spec.path.replace(/:(\w+)/g, '{$1}');
    const input = z.toJSONSchema(spec.input, { io: 'input', unrepresentable: 'any' });
    const output = z.toJSONSchema(spec.output, { io: 'output', unrepresentable: 'any' });
    const params = [...spec.path.matchAll(/:(\w+)/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'integer' },
    }));
    const hasBody = spec.method === 'POST' || spec.method === 'PUT';
    const queryProps =
      !hasBody && typeof input === 'object' && input && 'properties' in input
        ? Object.entries((input as { properties: Record<string, unknown> }).properties)
            .filter(([k]) => !params.some((p) => p.name === k))
            .map(([k, schema]) => ({ name: k, in: 'query', required: false, schema }))
        : [];
    (paths[path] ??= {})[spec.method.toLowerCase()] = {
      operationId: name,
      summary: spec.summary,
      parameters: [...params, ...queryProps],
      ...(hasBody ? { requestBody: { content: { 'application/json': { schema: input } } } } : {}),
      responses: {
        '200': { description: 'OK', content: { 'application/json': { schema: output } } },
        '400': { description: 'Invalid input; the message names the field' },
        '401': { description: 'Missing or wrong bearer token' },
      },
      security: name === 'health' ? [] : [{ bearer: [] }],
    };
  }
  paths['/ingest'] = {
    post: {
      operationId: 'ingest',
      summary: 'Stream raw log lines in the body; creates an upload source (?name=&format=)',
      requestBody: { content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } },
      responses: { '200': { description: 'Lines ingested and parse errors counted' } },
      security: [{ bearer: [] }],
    },
  };
  paths['/events'] = {
    get: {
      operationId: 'events',
      summary: 'Server-sent events of the engine (ingest, training, anomalies, model swaps)',
      responses: { '200': { description: 'text/event-stream' } },
      security: [{ bearer: [] }],
    },
  };
  return {
    openapi: '3.1.0',
    info: { title: `${APP_NAME} API`, version: APP_VERSION },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths,
  };
}
