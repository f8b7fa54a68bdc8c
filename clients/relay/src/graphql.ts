// relay-compiler reads the graphql`...` templates in this directory; babel-plugin-relay would
// replace them at build time. tests/clients only compiles them, so this tag is a stand-in.
export function graphql(strings: TemplateStringsArray): string {
  return strings.join("");
}
