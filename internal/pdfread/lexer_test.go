package pdfread

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// lexAll returns the tokens of b up to, not including, TokenEOF.
func lexAll(b string) []Token {
	lx := NewLexer([]byte(b))
	var out []Token
	for {
		t := lx.Next()
		if t.Kind == TokenEOF {
			return out
		}
		out = append(out, t)
	}
}

func op(s string) Token       { return Token{Kind: TokenOperator, Text: s} }
func name(s string) Token     { return Token{Kind: TokenName, Text: s} }
func num(f float64) Token     { return Token{Kind: TokenNumber, Number: f} }
func str(nonEmpty bool) Token { return Token{Kind: TokenString, NonEmpty: nonEmpty} }

var delim = Token{Kind: TokenDelim}

func TestLexer(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []Token
	}{
		{name: "empty", in: ""},
		{name: "white space only", in: " \t\r\n\f\x00"},
		{name: "operators and numbers", in: "q 1 0 0 1 -2.5 .5 cm /Im0 Do Q", want: []Token{
			op("q"), num(1), num(0), num(0), num(1), num(-2.5), num(.5), op("cm"), name("Im0"), op("Do"), op("Q"),
		}},
		{name: "number-like operators", in: "+ - . 1.2.3 true null", want: []Token{
			op("+"), op("-"), op("."), op("1.2.3"), op("true"), op("null"),
		}},
		{name: "quote operators", in: `(a) ' 1 2 (b) "`, want: []Token{
			str(true), op("'"), num(1), num(2), str(true), op(`"`),
		}},
		{name: "name escapes", in: "/Im#30 /A#20B /#2F#2f /Lw#c3#a4 /Plain", want: []Token{
			name("Im0"), name("A B"), name("//"), name("Lw\u00e4"), name("Plain"),
		}},
		{name: "broken name escapes stay literal", in: "/A#4 /B#zz1 /C# /#", want: []Token{
			name("A#4"), name("B#zz1"), name("C#"), name("#"),
		}},
		{name: "empty name", in: "/ Do", want: []Token{name(""), op("Do")}},
		{name: "name ends at delimiter", in: "/F1[/F2(x)/F3<41>/F4%c\n", want: []Token{
			name("F1"), delim, name("F2"), str(true), name("F3"), str(true), name("F4"),
		}},
		{name: "nested literal string", in: "(a (b (c)) d) Tj", want: []Token{str(true), op("Tj")}},
		{name: "escaped parentheses", in: `(a \) Tj (nested) ET) Tj`, want: []Token{str(true), op("Tj")}},
		{name: "escaped backslash before close", in: `(\\) Tj`, want: []Token{str(true), op("Tj")}},
		{name: "empty literal string", in: "() Tj", want: []Token{str(false), op("Tj")}},
		{name: "unterminated literal string", in: "(abc Tj", want: []Token{str(true)}},
		{name: "unterminated empty literal string", in: "(", want: []Token{str(false)}},
		{name: "trailing backslash", in: `(a\`, want: []Token{str(true)}},
		{name: "hex strings", in: "<0041> <> < > <4 1> <zz> Tj", want: []Token{
			str(true), str(false), str(false), str(true), str(false), op("Tj"),
		}},
		{name: "unterminated hex string", in: "<41", want: []Token{str(true)}},
		{name: "dictionary and array delimiters", in: "<< /Type /OCMD >> BDC [1 (a)] {x} ) >", want: []Token{
			delim, name("Type"), name("OCMD"), delim, op("BDC"),
			delim, num(1), str(true), delim, delim, op("x"), delim, delim, delim,
		}},
		{name: "dictionary close needs both brackets", in: "> >", want: []Token{delim, delim}},
		{name: "comments", in: "% BT (a) Tj\rq %c\nQ%\n", want: []Token{op("q"), op("Q")}},
		{name: "comment at end", in: "Q % no newline", want: []Token{op("Q")}},
		{name: "percent in string is no comment", in: "(50%) Tj", want: []Token{str(true), op("Tj")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, lexAll(tt.in))
		})
	}
}

func TestLexerEOFRepeats(t *testing.T) {
	lx := NewLexer([]byte("Q"))
	require.Equal(t, op("Q"), lx.Next())
	for range 3 {
		require.Equal(t, TokenEOF, lx.Next().Kind)
	}
}

func TestSkipInlineImage(t *testing.T) {
	tests := []struct {
		name string
		in   string // what follows BI
		want []Token
	}{
		{name: "binary data", in: " /W 1 /H 1 /BPC 8 /CS /G ID \x00EI\x01 (x) Tj EI ET", want: []Token{op("ET")}},
		{name: "EI inside data without space", in: " /W 2 ID xEI EIx EI Q", want: []Token{op("Q")}},
		{name: "EI at the very end", in: " /W 1 ID \xffEI", want: nil},
		{name: "dictionary with strings and arrays", in: " /D [(ID) <49 44>] /F /AHx ID 00> EI q", want: []Token{op("q")}},
		{name: "no EI", in: " /W 1 ID \x00\x01 Q", want: nil},
		{name: "no ID", in: " /W 1 /H 1 EI Q", want: nil},
		{name: "ID at the end", in: " /W 1 ID", want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lx := NewLexer([]byte("BI" + tt.in))
			require.Equal(t, op("BI"), lx.Next())
			lx.SkipInlineImage()
			var got []Token
			for t := lx.Next(); t.Kind != TokenEOF; t = lx.Next() {
				got = append(got, t)
			}
			require.Equal(t, tt.want, got)
		})
	}
}

// FuzzLexer checks that the lexer ends on any input: every token but
// TokenEOF consumes at least one byte, also around inline images.
func FuzzLexer(f *testing.F) {
	for _, s := range []string{
		"BT /F1 12 Tf (a) Tj ET",
		"q 1 0 0 1 0 0 cm /Im#30 Do Q",
		"BI /W 1 /H 1 ID \x00EI\x01 EI Q",
		"<< /A [(x\\) <4", "(((", "/#", "BI ID",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		lx := NewLexer(b)
		for n := 0; ; n++ {
			if n > len(b) {
				t.Fatalf("%d tokens from %d bytes", n, len(b))
			}
			tok := lx.Next()
			if tok.Kind == TokenEOF {
				return
			}
			if tok.Kind == TokenOperator && tok.Text == "BI" {
				lx.SkipInlineImage()
			}
		}
	})
}
