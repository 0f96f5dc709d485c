export declare const templateDirectory: string;
export declare function pascalCase(name: string): string;
export interface TemplateValues {
  name: string;
  packageName: string;
  description: string;
  coreVersion: string;
  /** Dependency specs for building (default: coreVersion), e.g. file:/path/to/host/core. */
  coreDev?: string;
  databaseDev?: string;
  /** Where its build gets @oclif/core (default: ^4.8.0), e.g. file:.host-packages/@oclif/core. */
  oclifDev?: string;
}
/** Writes the template into `target` (which must not exist yet) and returns the files written, sorted. */
export declare function renderTemplate(target: string, values: TemplateValues): Promise<string[]>;
