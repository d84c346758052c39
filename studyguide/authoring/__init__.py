"""Commands that write a book's sources rather than build it: `new` starts a book, `import`
brings a text in, `migrate` rewrites an old book.toml. The build never runs them."""
