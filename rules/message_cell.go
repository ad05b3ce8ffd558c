package rules

// MarkdownCell is the message as GitHub-flavoured Markdown for a table
// cell: as Markdown, and a '|' inside cannot end the cell.
func (m Message) MarkdownCell() string { return markdownOf(m, true) }
