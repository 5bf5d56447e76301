package sentiment

// Label is the sentiment class of a text. For market talk it is the stance:
// positive = bullish, negative = bearish.
type Label string

const (
	Positive Label = "positive"
	Negative Label = "negative"
	Neutral  Label = "neutral"
)
