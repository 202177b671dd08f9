#include "layers/l1b_semantic/lexical_guard.h"

#include <gtest/gtest.h>

namespace isartor {
namespace {

std::string Reason(std::string_view a, std::string_view b) {
  GuardVerdict v = CheckLexicalGuard(a, b);
  return v.veto ? v.reason : "pass";
}

TEST(LexicalGuardTest, ParaphrasesPass) {
  EXPECT_EQ(Reason("How do I reset my password?", "How can I reset my password"), "pass");
  EXPECT_EQ(Reason("What is the capital of France?", "What's France's capital city?"), "pass");
  EXPECT_EQ(Reason("how do i learn python", "What is the best way to learn Python?"), "pass");
  EXPECT_EQ(Reason("Convert 2,000 meters to feet", "convert 2000 meters into feet"), "pass");
}

TEST(LexicalGuardTest, DifferentNumbersVeto) {
  EXPECT_EQ(Reason("What is 15% of 200?", "What is 15% of 300?"), "number");
  EXPECT_EQ(Reason("Give me three tips for sleep", "Give me five tips for sleep"), "number");
  EXPECT_EQ(Reason("Summarize the first chapter", "Summarize the second chapter"), "number");
}

TEST(LexicalGuardTest, DifferentDatesVeto) {
  EXPECT_EQ(Reason("Who won the election in 2016?", "Who won the election in 2020?"), "number");
  EXPECT_EQ(Reason("What meetings do I have on Monday?", "What meetings do I have on Tuesday?"),
            "date");
  EXPECT_EQ(Reason("What is the weather today?", "What is the weather tomorrow?"), "date");
}

TEST(LexicalGuardTest, NegationVetoes) {
  EXPECT_EQ(Reason("Is it safe to eat raw eggs?", "Is it not safe to eat raw eggs?"), "negation");
  EXPECT_EQ(Reason("Why does my code compile?", "Why doesn't my code compile?"), "negation");
  EXPECT_EQ(Reason("Recipes with nuts", "Recipes without nuts"), "negation");
}

TEST(LexicalGuardTest, DifferentEntitiesVeto) {
  EXPECT_EQ(Reason("What is the capital of France?", "What is the capital of Germany?"),
            "entity");
  EXPECT_EQ(Reason("How do I install NumPy on Windows?", "How do I install NumPy on macOS?"),
            "entity");
  EXPECT_EQ(Reason("Compare the iPhone 15 and Pixel 8", "Compare the iPhone 15 and Galaxy 8"),
            "entity");
}

TEST(LexicalGuardTest, OppositesVeto) {
  EXPECT_EQ(Reason("What are the best programming languages?",
                   "What are the worst programming languages?"),
            "opposite");
  EXPECT_EQ(Reason("Should I buy stocks now?", "Should I sell stocks now?"), "opposite");
}

TEST(LexicalGuardTest, SwappedWordOrderVetoes) {
  EXPECT_EQ(Reason("Is Rust faster than Go?", "Is Go faster than Rust?"), "order");
  EXPECT_EQ(Reason("Translate from English to French", "Translate from French to English"),
            "order");
}

TEST(LexicalGuardTest, SentenceInitialCapitalIsNotAnEntity) {
  EXPECT_EQ(Reason("Explain recursion simply.", "Can you explain recursion in simple terms?"),
            "pass");
}

TEST(LexicalGuardTest, TitleCaseTextDoesNotMakeEveryWordAnEntity) {
  EXPECT_EQ(Reason("What Is The Best Way To Lose Weight?", "how can i lose weight the best way"),
            "pass");
}

TEST(LexicalGuardTest, ARetypedQuestionIsTheSameUpToTypos) {
  auto same = [](std::string_view a, std::string_view b) {
    return CompareLexically(a, b).same_up_to_typos;
  };
  EXPECT_TRUE(same("Why is my latpop fan so loud", "Why is my laptop fan so loud?"));
  EXPECT_TRUE(same("Hi, how do I sbumit a claim?", "How can I submit a claim?"));  // swap
  EXPECT_TRUE(same("How do I udate my address", "How do I update my address"));    // deletion
  EXPECT_TRUE(same("How do I updaate my address", "How do I update my address"));  // insertion
  EXPECT_FALSE(same("Is it safe to eat eggs", "Is it unsafe to eat eggs"));        // 2 edits
  EXPECT_FALSE(same("Where is my form", "Where is my from"));       // short words: exact only
  EXPECT_FALSE(same("Reset my Outlook password", "Reset my Gmail password"));
  EXPECT_FALSE(same("the 2023 tax return", "the 2024 tax return"));  // digits: exact only
  EXPECT_FALSE(same("How do I book a room", "How do I book a meeting room"));  // another word
  EXPECT_FALSE(same("hello", "hi"));  // nothing left to compare
}

}  // namespace
}  // namespace isartor
