"""The fixed text set of the embedding fixture (tools/embed_reference.py) and benchmark.

Deterministic: the same list on every run (seeded generator, no external data).
"""
import random

SHORT = [
    "hello", "Hello, world!", "What is the capital of France?", "how do I reset my password",
    "The quick brown fox jumps over the lazy dog.", "Summarize this article in three bullets.",
    "Translate 'good morning' into German.", "Write a haiku about autumn leaves.",
    "Explain quantum entanglement to a five-year-old.", "Is it going to rain tomorrow in Berlin?",
    "a", "I", "OK", "?", "!!!", "...", "--", "yes", "no", "42",
    "GPT-4o vs. Claude: which is better for coding?", "Can't stop, won't stop.",
    "rock'n'roll", "e-mail me at john.doe@example.com", "https://example.com/path?q=1&r=two#frag",
    "C:\\Users\\admin\\Documents\\report.docx", "/usr/local/bin/python3 --version",
    "THE MEETING IS AT NOON", "cAmElCaSe and snake_case and kebab-case",
    "New York-based start-up raises $20M", "state-of-the-art", "self-driving cars",
    "What's the difference between affect and effect?", "Dr. Smith's office (room 4B)",
    "U.S.A.", "i.e., e.g., etc.", "He said: \"No way!\"", "«guillemets» and „quotes“",
    "Tab\tseparated\tvalues", "line one\nline two\r\nline three",
]

NUMBERS = [
    "3.14159265358979", "1,000,000", "$19.99", "€5,50", "£100", "¥1000", "100%", "-273.15°C",
    "2024-03-15T10:30:00Z", "+49 (0)30 1234567", "0x1F600", "1e-12", "1/2 + 3/4 = 5/4",
    "Version 2.0.1-beta.3", "ISBN 978-3-16-148410-0", "12:30 pm on 24/12/2023",
    "The answer is 42, not 41 or 43.", "½ ¾ ⅓ ² ³ ₁₂", "Ⅻ Ⅳ ⅸ", "１２３ ＡＢＣ ｱｲｳ",
]

CODE = [
    "def add(a, b):\n    return a + b",
    "for (int i = 0; i < n; ++i) { sum += v[i]; }",
    "SELECT name, COUNT(*) FROM users WHERE age > 30 GROUP BY name;",
    '{"model": "gpt-4", "messages": [{"role": "user", "content": "hi"}]}',
    "#include <iostream>\nint main() { std::cout << \"hi\\n\"; }",
    "const x = arr.map((v) => v * 2).filter(Boolean);",
    "git commit -m 'fix: handle empty input' && git push origin main",
    "<div class=\"note\"><b>Bold</b> &amp; <i>italic</i></div>",
    "fn main() { println!(\"{:?}\", vec![1, 2, 3]); }",
    "x <<= 2; y >>= 1; z ^= x | y & ~0;",
    "lambda x: x**2 if x % 2 == 0 else -x",
    "kubectl get pods -n kube-system -o wide | grep -v Running",
    "SGVsbG8gV29ybGQhIFRoaXMgaXMgYmFzZTY0IGVuY29kZWQ=",
    "sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "regex: ^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\\.[a-zA-Z]{2,}$",
]

ACCENTS = [
    "Café crème brûlée à la française", "naïve résumé façade coöperate",
    "Über Straße München Größe", "¿Dónde está la biblioteca? ¡Aquí!", "São Paulo, Açores, João",
    "Tiếng Việt có nhiều dấu thanh", "İstanbul'da ılık bir gün", "Łódź, Kraków, Gdańsk, Źródło",
    "Ångström Ærø Øresund", "Crème de la crème", "ÀÉÎÕÜ àéîõü", "Dvořák Čapek Šťastný",
    "Ελληνικά: Καλημέρα κόσμε", "ΣΊΣΥΦΟΣ ΟΔΥΣΣΕΥΣ", "Русский текст: Привет, мир!", "Ёлка и ёж",
    "עברית: שלום עולם", "العربية: مرحبا بالعالم", "हिन्दी: नमस्ते दुनिया", "ภาษาไทย สวัสดีชาวโลก",
    "ქართული ენა", "Հայերեն", "e\u0301 combining acute", "A\u030a vs \u00c5",
    "ﬁ ﬂ ligatures", "ǅungla ǈ ǋ", "Ⓐⓑⓒ", "ｆｕｌｌｗｉｄｔｈ", "ß vs SS vs ẞ",
]

CJK = [
    "你好，世界！", "我爱北京天安门", "機械学習は面白いです。", "東京タワーに行きました",
    "ひらがなとカタカナ", "한국어 문장입니다", "안녕하세요 세계", "中文English混合text",
    "漢字かな交じり文", "繁體中文測試", "𠀀𠀁𠀂 rare CJK ext B", "豈 更 車 compatibility",
    "（全角括弧）、句読点。", "「引用」『二重』", "数字123和字母abc",
]

EMOJI = [
    "I love it 😀", "🔥🔥🔥", "👍🏽 thumbs up", "👨‍👩‍👧‍👦 family", "🇩🇪 🇺🇸 🇯🇵", "❤️ heart",
    "✨ sparkle ✨", "🥰🥳🤯", "☕ coffee time", "smile :) :-( ;-P <3", "¯\\_(ツ)_/¯",
    "ᕕ( ᐛ )ᕗ", "→ ← ↑ ↓ ⇒ ∀ ∃ ∑ ∫", "★☆♠♣♥♦", "©®™ §¶ †‡",
]

EDGE = [
    "", " ", "   ", "\t", "\n", "\n\n\n", " \t\r\n ", "\u00a0", "\u3000", "\u2003\u2009",
    "\u200b", "\u200b\u200c\u200d", "\ufeffBOM start", "soft\u00adhyphen", "x\x00y", "\x07bell",
    "\x1b[31mred\x1b[0m", "\ufffd", "a\u0085b", "\ue000 private use",
    "[CLS]", "[SEP] [PAD] [UNK] [MASK]", "text with [MASK] inside", "[cls] lower case",
    "[CLS[SEP]]", "x" * 101, "y" * 100, "supercalifragilisticexpialidocious",
    "antidisestablishmentarianism", "pneumonoultramicroscopicsilicovolcanoconiosis",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "a b c d e f g h i j k l m n",
    ".,;:!?", "'\"`", "(((nested)))", "hello" + "!" * 50, "word " * 60,
]

LONG_BASE = (
    "Large language model gateways sit between applications and model providers. They route "
    "requests, cache answers, enforce budgets and keep an audit trail. A semantic cache compares "
    "the meaning of a new prompt with prompts seen before, using sentence embeddings, and answers "
    "from the cache when the two are close enough. This saves money and latency, but a threshold "
    "that is too loose returns wrong answers, so operators tune it carefully and monitor hit "
    "rates. "
)


def long_texts(rng):
    out = [LONG_BASE * 2, LONG_BASE * 4, LONG_BASE * 12]
    words = LONG_BASE.split()
    for n in (150, 250, 300, 600, 1200):
        out.append(" ".join(rng.choice(words) for _ in range(n)))
    out.append("你好世界。" * 80)
    out.append("😀 " * 300)
    out.append(" ".join(["Straße", "naïve", "Ωmega", "x=1;", "🙂"] * 70))
    return out


# Code point ranges for the seeded random strings: scripts, symbols, marks, controls.
RANGES = [
    (0x20, 0x7E), (0xA0, 0x24F), (0x300, 0x36F), (0x370, 0x3FF), (0x400, 0x4FF),
    (0x590, 0x6FF), (0x900, 0x97F), (0xE00, 0xE7F), (0x1100, 0x11FF), (0x2000, 0x206F),
    (0x2100, 0x22FF), (0x3000, 0x30FF), (0x4E00, 0x9FFF), (0xAC00, 0xD7A3), (0xF900, 0xFAFF),
    (0xFE00, 0xFE0F), (0xFF00, 0xFFEF), (0x1F300, 0x1FAFF), (0x20000, 0x2A6DF), (0x0, 0x1F),
]


def random_texts(rng, n):
    out = []
    for _ in range(n):
        chars = []
        for _ in range(rng.randint(1, 40)):
            lo, hi = rng.choice(RANGES)
            cp = rng.randint(lo, hi)
            chars.append(chr(cp))
            if rng.random() < 0.2:
                chars.append(" ")
        out.append("".join(chars))
    return out


def prompts(rng, n):
    subjects = ["my laptop", "the database", "a React app", "the invoice", "our API", "Python",
                "the weather", "a recipe", "the contract", "Kubernetes", "my cat", "the budget"]
    verbs = ["fix", "explain", "optimize", "summarize", "translate", "debug", "review", "plan"]
    tails = ["quickly", "step by step", "for beginners", "in detail", "with examples", "",
             "in under 100 words", "as a table", "using bullet points", "politely"]
    out = []
    for _ in range(n):
        s = f"How can I {rng.choice(verbs)} {rng.choice(subjects)} {rng.choice(tails)}?"
        if rng.random() < 0.3:
            s = s.upper()
        out.append(s.replace(" ?", "?"))
    return out


def fixture_texts():
    rng = random.Random(20261125)
    texts = SHORT + NUMBERS + CODE + ACCENTS + CJK + EMOJI + EDGE
    texts += long_texts(rng) + random_texts(rng, 40) + prompts(rng, 20)
    return texts


# A ~20-token prompt for the single-request latency benchmark.
BENCH_PROMPT = "How can I configure the semantic cache threshold so that similar questions hit?"
