// Names the API reference's modules after their packages ("@sinyal/client" rather than
// "client/src"), without touching the packages' sources. Loaded by typedoc.json.
import { Converter, ReflectionKind } from 'typedoc';

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const module of context.project.getReflectionsByKind(ReflectionKind.Module)) {
      const match = /^(\w+)\/src(?:\/(schema))?$/.exec(module.name);
      if (match) module.name = `@sinyal/${match[1]}${match[2] ? `/${match[2]}` : ''}`;
    }
  });
}
