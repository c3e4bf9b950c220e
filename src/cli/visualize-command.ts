import { readFile, writeFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { DIAGRAM_FORMATS, type DiagramFormat, MACHINE_NAMES, renderDiagram } from '../observe/diagram/machines.js';
import { DiagramBlockError, writeDiagramBlock } from '../observe/diagram/readme-block.js';
import { CliExit, EXIT } from './exit-codes.js';

interface VisualizeOptions {
  machine: string;
  format: DiagramFormat;
  write?: string;
}

/** `visualize`: a machine's diagram, generated from its definition, on stdout or into a document's block. */
export function visualizeCommand(out: NodeJS.WritableStream = process.stdout): Command {
  return new Command('visualize')
    .description('print a state machine diagram generated from its definition')
    .addOption(new Option('--machine <name>', 'which machine').choices(MACHINE_NAMES).default('node'))
    .addOption(new Option('--format <format>', 'output format').choices([...DIAGRAM_FORMATS]).default('mermaid'))
    .option('--write <file>', 'replace the generated block of this Markdown file instead of printing')
    .action(async (options: VisualizeOptions) => {
      const diagram = renderDiagram(options.machine, options.format);
      if (options.write === undefined) {
        out.write(diagram);
        return;
      }
      let text: string;
      try {
        text = await readFile(options.write, 'utf8');
        await writeFile(options.write, writeDiagramBlock(text, options.machine, options.format, diagram));
      } catch (error) {
        if (error instanceof DiagramBlockError) throw new CliExit(EXIT.config, `${options.write}: ${error.message}`);
        throw new CliExit(EXIT.failure, `${options.write}: ${(error as Error).message}`);
      }
      out.write(`${options.write}: ${options.machine} diagram (${options.format}) updated\n`);
    });
}
